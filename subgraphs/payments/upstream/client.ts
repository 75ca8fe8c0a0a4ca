// CO2Trust payment services client. The route table below is the one place that knows the
// upstream's paths. The CO2Trust API document gives paths, auth and the page/size/order and
// payment_transaction_type(_id) parameters but no bodies; the choices made where it is silent:
// - bodies are snake_case JSON, lists `{ items, total, page, size, pages }` as in the core
//   services; amounts are read as JSON numbers or decimal strings and sent as JSON numbers;
//   statuses are lower case and an unknown one reads as UNKNOWN; every body is parsed once by
//   its route's schema below (a missing required field is an UPSTREAM_CONTRACT error);
// - `payment_transaction_type_id` takes a comma-separated list of ids (one call for a batch of
//   orders, suppliers or NFTs);
// - `/payment-transactions/user` accepts the same type filters as `/payment-transactions`;
// - an admin reads another user's lists with `user_id=<id>` on the caller-scoped endpoints;
// - the document has no route to record a transaction (only reads under "Payment Transactions"):
//   services' payments are recorded in the layer's own payments table (see upstream/source.ts);
// - the document defines no idempotency for `POST /transfers` or `POST /bank-accounts`: no
//   idempotency header or field is sent, each write is sent once through the write journal
//   (lib/write-journal.ts) and a lost answer is settled from `GET /transfers` / `GET /bank-accounts`;
// - business refusals are 409/422 with `{ code, message, field }` (codes in mappers.ts).
import { z } from 'zod';
import type { Config } from '../../../lib/config.ts';
import { decimal, integer, nullable, timestamp, tolerantEnum } from '../../../lib/upstream-contract.ts';
import { upstreamClient, type UpstreamClient } from '../../../lib/http-client.ts';
import type { Logger } from '../../../lib/logger.ts';

const BASE = '/co2trust-payments/v1';

export const PAYMENTS_ROUTES = {
  stats: `${BASE}/payment-stats`,
  globalStats: `${BASE}/payment-stats/global`,
  quarterlyStats: `${BASE}/payment-stats/quarterly`,
  transactions: `${BASE}/payment-transactions`,
  userTransactions: `${BASE}/payment-transactions/user`,
  bankAccounts: `${BASE}/bank-accounts`,
  transfers: `${BASE}/transfers`,
} as const;

/**
 * Response schemas per route (parsed once in the source, at the client boundary). The document gives
 * no bodies: the field names are the assumptions listed above; amounts are accepted as JSON
 * numbers or decimal strings, fields the GraphQL types do not need are ignored.
 */
const volumeSchema = z.object({ currency: z.string(), amount: decimal, transaction_count: integer });
const globalStatsSchema = z.object({ transaction_count: integer, volumes: z.array(volumeSchema) });
const quarterlyStatsSchema = z.array(globalStatsSchema.extend({ year: integer, quarter: integer }));

const id = z.union([z.string().min(1), z.number().int().transform(String)]);
const page = <S extends z.ZodType>(item: S) => z.object({ items: z.array(item), total: integer });
const transactionSchema = z.object({
  id,
  external_reference: z.string(),
  // Also an input enum (recording a transaction), so it has no UNKNOWN member: a new type is a contract error.
  payment_transaction_type: z
    .string()
    .transform((v) => v.toUpperCase())
    .pipe(z.enum(['ORDER', 'SUPPLIER', 'NFT'])),
  payment_transaction_type_id: id,
  payer_id: id,
  payee_id: nullable(id),
  amount: decimal,
  currency: z.string(),
  status: tolerantEnum(['PENDING', 'COMPLETED', 'FAILED'] as const),
  created_at: timestamp,
});
/** Only the last four characters of `iban` are kept (the rest never leaves the parser's caller). */
const bankAccountSchema = z.object({
  id,
  user_id: id,
  holder_name: z.string(),
  iban: z.string(),
  bic: z.string(),
  currency: z.string(),
  country_code: z.string(),
  created_at: timestamp,
});
const transferSchema = z.object({
  id,
  user_id: id,
  bank_account_id: id,
  amount: decimal,
  currency: z.string(),
  status: tolerantEnum(['PENDING', 'COMPLETED'] as const),
  reference: nullable(z.string()),
  created_at: timestamp,
});

export const PAYMENTS_SCHEMAS = {
  /**
   * GET /payment-transactions ("List Payment Transactions"), /payment-transactions/user ("Get User
   * Payment Transactions").
   */
  transactions: page(transactionSchema),
  /** GET /bank-accounts ("List Bank Accounts"). */
  bankAccounts: page(bankAccountSchema),
  /** POST /bank-accounts ("Create Bank Account"). */
  bankAccount: bankAccountSchema,
  /** GET /transfers ("List Transfers"). */
  transfers: page(transferSchema),
  /** POST /transfers ("Create Transfer"). */
  transfer: transferSchema,
  /** GET /payment-stats ("Get All Stats"): "all payment statistics including global and quarterly stats". */
  stats: z.object({ global: globalStatsSchema, quarterly: quarterlyStatsSchema }),
  /** GET /payment-stats/global ("Get Global Stats"). */
  globalStats: globalStatsSchema,
  /** GET /payment-stats/quarterly ("Get Quarterly Stats"). */
  quarterlyStats: quarterlyStatsSchema,
};
export type ParsedGlobalStats = z.output<typeof globalStatsSchema>;
export type ParsedQuarterlyStats = z.output<typeof quarterlyStatsSchema>[number];
export type ParsedTransaction = z.output<typeof transactionSchema>;
export type ParsedBankAccount = z.output<typeof bankAccountSchema>;
export type ParsedTransfer = z.output<typeof transferSchema>;

/** Largest page the payment services serve. */
export const MAX_UPSTREAM_PAGE = 100;

export interface Co2TrustPage<T> {
  items: T[];
  total: number;
  page: number;
  size: number;
  pages: number;
}

export type Co2TrustPaymentType = 'order' | 'supplier' | 'nft';

export interface Co2TrustPaymentTransaction {
  id: string;
  external_reference: string;
  payment_transaction_type: Co2TrustPaymentType;
  payment_transaction_type_id: string;
  payer_id: string;
  payee_id: string | null;
  amount: string;
  currency: string;
  status: 'pending' | 'completed' | 'failed';
  created_at: string;
}

export interface Co2TrustVolume {
  currency: string;
  amount: string;
  transaction_count: number;
}

export interface Co2TrustGlobalStats {
  transaction_count: number;
  volumes: Co2TrustVolume[];
}

export interface Co2TrustQuarterlyStats extends Co2TrustGlobalStats {
  year: number;
  quarter: number;
}

/** The bank account body carries the full `iban`; only its last four characters leave the adapter. */
export interface Co2TrustBankAccount {
  id: string;
  user_id: string;
  holder_name: string;
  iban: string;
  bic: string;
  currency: string;
  country_code: string;
  created_at: string;
}

export interface Co2TrustTransfer {
  id: string;
  user_id: string;
  bank_account_id: string;
  amount: string;
  currency: string;
  status: 'pending' | 'completed';
  reference: string | null;
  created_at: string;
}

/** A business refusal (409/422) of the payment services. */
export interface Co2TrustRefusal {
  code?: string;
  message?: string;
  field?: string;
}

/** One keep-alive client per process; the caller's bearer token is added per request. */
export function createPaymentsClient(config: Config, logger: Logger): UpstreamClient {
  return upstreamClient(config, logger, {
    name: 'co2trust-payments',
    baseUrl: config.CO2TRUST_BASE_URL,
    routes: PAYMENTS_ROUTES,
  });
}
