// Contract fake of the CO2Trust payment services (/co2trust-payments/v1), written from
// ../shared/seeds/000_7aa04813252c030c.txt alone (line numbers below are that file's). It shares
// no code with our client: its wire shapes and checks are its own. Serves the payments demo data
// set (the records of subgraphs/payments/local/seed.ts).
//
// Routes (base /co2trust-payments/v1):
//   GET  /payment-stats                    lines 256-260: "global and quarterly stats", no auth
//   GET  /payment-stats/global             lines 262-266, no auth
//   GET  /payment-stats/quarterly          lines 268-272, no auth
//   GET  /payment-transactions             lines 276-284: no auth; `page`, `size`, `order`;
//        `payment_transaction_type` all | order | supplier | nft (283); `payment_transaction_type_id`
//        "Filter by specific ID" (284): one id
//   GET  /payment-transactions/user        lines 286-291: token; the caller's own (payer or payee);
//        `page`, `size`, `order` only (291)
//   GET  /bank-accounts                    lines 297-300: token; "for the authenticated user"
//   POST /bank-accounts                    lines 302-307: token; "bank account data"
//   GET  /transfers                        lines 311-316: token
//   POST /transfers                        lines 318-323: token; "transfer data"
//   Status codes of lines 375-383.
//
// Assumptions where the document is silent (each one a choice of this fake, shared with the
// subgraph README's "Assumptions, in one place"):
// - Bodies are snake_case JSON; enums lower-case
//   too: `payment_transaction_type` order | supplier | nft, the filter's values (line 283), and
//   `status` pending | completed | failed (transfers pending | completed); amounts decimal strings; times ISO 8601. Pages as the core services'
//   (`{ items, total, page, size, pages }`, 1-based `page`).
// - Stats count completed transactions: `{ transaction_count, volumes: [{ currency, amount,
//   transaction_count }] }` (volumes by currency code); quarterly adds `year` and `quarter` (UTC);
//   /payment-stats is `{ global, quarterly }`.
// - A transaction is `{ id, external_reference, payment_transaction_type,
//   payment_transaction_type_id, payer_id, payee_id, amount, currency, status, created_at }`; a bank
//   account `{ id, user_id, holder_name, iban, bic, currency, country_code, created_at }`; a
//   transfer `{ id, user_id, bank_account_id, amount, currency, status, reference, created_at }`.
// - /transfers lists the caller's own transfers (an admin's too: the document names no other).
// - POST /bank-accounts takes `holder_name iban bic currency country_code`: the IBAN is checked as
//   ISO 13616 (two letters, two check digits, up to 30 letters or digits, mod 97 = 1) after removing
//   spaces, the BIC as ISO 9362 (4 letters, 2 letters of a country, 2 letters or digits, optionally
//   3 more); a user's second account with one IBAN is 409 `duplicate_bank_account`.
// - POST /transfers takes `bank_account_id amount currency reference?`: the caller's own account
//   (another's is 403, an unknown one 404 `bank_account_not_found`), its currency (else 422
//   `currency_mismatch`), an amount > 0 (else 422 `invalid`) within the caller's available balance
//   in that currency: completed incoming payments minus transfers (else 422
//   `insufficient_balance`). A new transfer is `PENDING`. Refusals are `{ code, message, field }`.
// - The document defines no idempotency: every POST that arrives takes effect.
import { randomUUID } from 'node:crypto';
import { dec, type Decimal } from '../lib/decimal.ts';
import type { UserRecord } from '../subgraphs/marketplace/source.ts';
import { demoBankAccounts, demoPaymentTransactions, demoTransfers } from '../subgraphs/payments/local/seed.ts';
import type {
  BankAccountRecord,
  PaymentTransactionRecord,
  PaymentVolumeRecord,
  TransferRecord,
} from '../subgraphs/payments/source.ts';
import { paged } from './co2trust-core.ts';
import { json, problem, type FakeReply, type FakeRequest, type FakeRoute } from './harness.ts';

const BASE = '/co2trust-payments/v1';
const TYPES = ['order', 'supplier', 'nft'];

type StoredTransfer = TransferRecord;
type StoredBankAccount = BankAccountRecord & { iban: string };

const text = (d: Decimal) => d.toFixed();

/** The fake's wire shapes (see the assumptions above). */
const wire = {
  volume: (v: PaymentVolumeRecord) => ({
    currency: v.volume.currency,
    amount: text(v.volume.amount),
    transaction_count: v.transactionCount,
  }),
  paymentTransaction: (t: PaymentTransactionRecord) => ({
    id: t.id,
    external_reference: t.externalReference,
    payment_transaction_type: t.type.toLowerCase(),
    payment_transaction_type_id: t.typeId,
    payer_id: t.payerId,
    payee_id: t.payeeId,
    amount: text(t.amount.amount),
    currency: t.amount.currency,
    status: t.status.toLowerCase(),
    created_at: t.createdAt.toISOString(),
  }),
  bankAccount: (a: StoredBankAccount) => ({
    id: a.id,
    user_id: a.userId,
    holder_name: a.holderName,
    iban: a.iban,
    bic: a.bic,
    currency: a.currency,
    country_code: a.countryCode,
    created_at: a.createdAt.toISOString(),
  }),
  transfer: (t: TransferRecord) => ({
    id: t.id,
    user_id: t.userId,
    bank_account_id: t.bankAccountId,
    amount: text(t.amount.amount),
    currency: t.amount.currency,
    status: t.status.toLowerCase(),
    reference: t.reference,
    created_at: t.createdAt.toISOString(),
  }),
};

/** ISO 13616: country, check digits, up to 30 alphanumerics; the rearranged number mod 97 is 1. */
function ibanValid(iban: string): boolean {
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]{1,30}$/.test(iban)) return false;
  const digits = (iban.slice(4) + iban.slice(0, 4)).replace(/[A-Z]/g, (c) => String(c.charCodeAt(0) - 55));
  let rest = 0;
  for (const d of digits) rest = (rest * 10 + Number(d)) % 97;
  return rest === 1;
}
/** ISO 9362: institution (4 letters), country (2 letters), location (2), optional branch (3). */
const bicValid = (bic: string) => /^[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?$/.test(bic);

export function paymentsState() {
  return {
    paymentTransactions: demoPaymentTransactions.map((t) => ({ ...t })),
    bankAccounts: demoBankAccounts.map((a) => ({ ...a })),
    transfers: demoTransfers.map(({ idempotencyKey: _key, ...t }): StoredTransfer => t),
  };
}
export type PaymentsFakeState = ReturnType<typeof paymentsState> & { backendSecret: string };

const refuse = (status: number, code: string, message: string, field?: string): FakeReply => ({
  status,
  body: { code, message, ...(field ? { field } : {}) },
});

/** Completed volume per currency, by currency code. */
function volumes(rows: PaymentTransactionRecord[]): PaymentVolumeRecord[] {
  const by = new Map<string, PaymentVolumeRecord>();
  for (const t of rows) {
    const v = by.get(t.amount.currency) ?? {
      volume: { amount: dec(0), currency: t.amount.currency },
      transactionCount: 0,
    };
    v.volume.amount = v.volume.amount.add(t.amount.amount);
    v.transactionCount++;
    by.set(t.amount.currency, v);
  }
  return [...by.values()].sort((a, b) => a.volume.currency.localeCompare(b.volume.currency));
}

export function paymentsRoutes(state: PaymentsFakeState, userOf: (req: FakeRequest) => UserRecord | null): FakeRoute[] {
  const completed = () => state.paymentTransactions.filter((t) => t.status === 'COMPLETED');
  const globalStats = () => ({
    transaction_count: completed().length,
    volumes: volumes(completed()).map(wire.volume),
  });
  const quarterlyStats = () => {
    const by = new Map<string, PaymentTransactionRecord[]>();
    for (const t of completed()) {
      const key = `${t.createdAt.getUTCFullYear()}-${Math.floor(t.createdAt.getUTCMonth() / 3) + 1}`;
      by.set(key, [...(by.get(key) ?? []), t]);
    }
    return [...by.entries()].map(([key, rows]) => {
      const [year, quarter] = key.split('-').map(Number);
      return {
        year: year!,
        quarter: quarter!,
        transaction_count: rows.length,
        volumes: volumes(rows).map(wire.volume),
      };
    });
  };

  /** The user a caller-scoped list is for: the caller (the document names no other). */
  const subjectUser = (req: FakeRequest): { id: string } | FakeReply => {
    const caller = userOf(req);
    return caller ? { id: caller.id } : problem(401, 'Not authenticated');
  };
  const isReply = (x: { id: string } | FakeReply): x is FakeReply => !('id' in x);

  /** The type filters; unknown values are a 400 as the real API would answer. */
  const typeFilter = (req: FakeRequest): ((t: PaymentTransactionRecord) => boolean) | FakeReply => {
    const type = req.query.get('payment_transaction_type') ?? 'all';
    if (type !== 'all' && !TYPES.includes(type)) return problem(400, `Unknown payment_transaction_type ${type}`);
    // "Filter by specific ID" (line 284): one id, compared as given.
    const id = req.query.get('payment_transaction_type_id');
    return (t) => (type === 'all' || t.type.toLowerCase() === type) && (!id || t.typeId === id);
  };

  const available = (userId: string, currency: string) => {
    const incoming = state.paymentTransactions
      .filter((t) => t.payeeId === userId && t.status === 'COMPLETED' && t.amount.currency === currency)
      .reduce((s, t) => s.add(t.amount.amount), dec(0));
    return state.transfers
      .filter((t) => t.userId === userId && t.amount.currency === currency)
      .reduce((s, t) => s.sub(t.amount.amount), incoming);
  };

  return [
    // GET /payment-stats (CO2Trust API document, "Get All Stats", line 258: "all payment statistics including global and quarterly"), /global (264), /quarterly (270).
    {
      method: 'GET',
      path: `${BASE}/payment-stats`,
      handler: () => json({ global: globalStats(), quarterly: quarterlyStats() }),
    },
    { method: 'GET', path: `${BASE}/payment-stats/global`, handler: () => json(globalStats()) },
    { method: 'GET', path: `${BASE}/payment-stats/quarterly`, handler: () => json(quarterlyStats()) },
    {
      method: 'GET',
      path: `${BASE}/payment-transactions/user`,
      handler: (req) => {
        // Lines 286-291: `page`, `size`, `order` only.
        const user = subjectUser(req);
        if (isReply(user)) return user;
        return paged(
          req,
          state.paymentTransactions.filter((t) => t.payerId === user.id || t.payeeId === user.id),
          wire.paymentTransaction,
        );
      },
    },
    {
      method: 'GET',
      path: `${BASE}/payment-transactions`,
      handler: (req) => {
        const filter = typeFilter(req);
        if (typeof filter !== 'function') return filter;
        return paged(req, state.paymentTransactions.filter(filter), wire.paymentTransaction);
      },
    },
    {
      method: 'GET',
      path: `${BASE}/bank-accounts`,
      handler: (req) => {
        const user = subjectUser(req);
        return isReply(user)
          ? user
          : paged(
              req,
              state.bankAccounts.filter((a) => a.userId === user.id),
              wire.bankAccount,
            );
      },
    },
    {
      method: 'POST',
      path: `${BASE}/bank-accounts`,
      handler: (req) => {
        const caller = userOf(req);
        if (!caller) return problem(401, 'Not authenticated');
        const b = req.body as Record<string, string>;
        const iban = String(b?.iban ?? '')
          .replace(/\s+/g, '')
          .toUpperCase();
        if (!ibanValid(iban)) return refuse(422, 'invalid', 'Invalid IBAN', 'iban');
        if (!bicValid(String(b.bic ?? ''))) return refuse(422, 'invalid', 'Invalid BIC', 'bic');
        if (state.bankAccounts.some((a) => a.userId === caller.id && a.iban === iban)) {
          return refuse(409, 'duplicate_bank_account', 'You already have a bank account with this IBAN', 'iban');
        }
        const account: StoredBankAccount = {
          id: randomUUID(),
          userId: caller.id,
          holderName: b.holder_name!,
          iban,
          ibanLast4: iban.slice(-4),
          bic: b.bic!,
          currency: b.currency!,
          countryCode: b.country_code!,
          createdAt: new Date(),
        };
        state.bankAccounts.push(account);
        return json(wire.bankAccount(account), 201);
      },
    },
    {
      method: 'GET',
      path: `${BASE}/transfers`,
      handler: (req) => {
        const user = subjectUser(req);
        return isReply(user)
          ? user
          : paged(
              req,
              state.transfers.filter((t) => t.userId === user.id),
              wire.transfer,
            );
      },
    },
    {
      method: 'POST',
      path: `${BASE}/transfers`,
      handler: (req) => {
        const caller = userOf(req);
        if (!caller) return problem(401, 'Not authenticated');
        // "Create a new transfer" (CO2Trust API document, "Transfers"): the document defines no idempotency, so
        // every request that arrives is a new transfer.
        const b = req.body as Record<string, string | null>;
        const account = state.bankAccounts.find((a) => a.id === b.bank_account_id);
        if (!account) return refuse(404, 'bank_account_not_found', 'Bank account not found', 'bank_account_id');
        if (account.userId !== caller.id) return problem(403, 'You can only transfer from your own bank accounts');
        if (account.currency !== b.currency)
          return refuse(
            422,
            'currency_mismatch',
            `The bank account is held in ${account.currency}, not ${b.currency}`,
            'currency',
          );
        if (!/^\d+(\.\d+)?$/.test(String(b.amount)) || dec(String(b.amount)).lte(0))
          return refuse(422, 'invalid', 'Amount must be greater than zero', 'amount');
        const amount = dec(String(b.amount));
        if (amount.gt(available(caller.id, account.currency))) {
          return refuse(
            422,
            'insufficient_balance',
            `The transfer exceeds your available ${account.currency} balance`,
            'amount',
          );
        }
        const transfer: StoredTransfer = {
          id: randomUUID(),
          userId: caller.id,
          bankAccountId: account.id,
          amount: { amount, currency: account.currency },
          status: 'PENDING',
          reference: b.reference ?? null,
          createdAt: new Date(),
        };
        state.transfers.push(transfer);
        return json(wire.transfer(transfer), 201);
      },
    },
  ];
}
