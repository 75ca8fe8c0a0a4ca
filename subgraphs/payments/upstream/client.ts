// CO2Trust payment services client. The route table below is the one place that knows the
// upstream's paths. The seed documents paths, auth and the page/size/order and
// payment_transaction_type(_id) parameters but no bodies; the choices made where it is silent:
// - bodies are snake_case JSON, amounts decimal strings, lists `{ items, total, page, size, pages }`
//   as in the core services;
// - `payment_transaction_type_id` takes a comma-separated list of ids (one call for a batch of
//   orders, suppliers or NFTs);
// - `/payment-transactions/user` accepts the same type filters as `/payment-transactions`;
// - an admin reads another user's lists with `user_id=<id>` on the caller-scoped endpoints;
// - recording a transaction is `POST /payment-transactions` with `X-Backend-Secret-Key`, idempotent
//   by `external_reference`; `POST /transfers` takes an `Idempotency-Key` header;
// - business refusals are 409/422 with `{ code, message, field }` (codes in mappers.ts).
import type { Config } from '../../../lib/config.ts';
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
