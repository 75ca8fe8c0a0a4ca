// Contract fake of the CO2Trust payment services (/co2trust-payments/v1), from
// ../shared/seeds/000_7aa04813252c030c.txt. Serves the payments demo data set; where the seed is
// silent it follows the assumptions written in subgraphs/payments/upstream/client.ts.
import { randomUUID } from 'node:crypto';
import { dec } from '../lib/decimal.ts';
import type { UserRecord } from '../subgraphs/marketplace/source.ts';
import { demoBankAccounts, demoPaymentTransactions, demoTransfers } from '../subgraphs/payments/local/seed.ts';
import type {
  BankAccountRecord,
  PaymentTransactionRecord,
  PaymentVolumeRecord,
  TransferRecord,
} from '../subgraphs/payments/source.ts';
import { toCo2Trust } from '../subgraphs/payments/upstream/mappers.ts';
import { bicValid, ibanChecksumValid, normalizeIban } from '../subgraphs/payments/validation.ts';
import { paged } from './co2trust-core.ts';
import { json, problem, type FakeReply, type FakeRequest, type FakeRoute } from './harness.ts';

const BASE = '/co2trust-payments/v1';
const TYPES = ['order', 'supplier', 'nft'];

type StoredTransfer = TransferRecord;

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
    volumes: volumes(completed()).map(toCo2Trust.volume),
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
        volumes: volumes(rows).map(toCo2Trust.volume),
      };
    });
  };

  /** The user a caller-scoped list is for: the caller, or (admins only) `user_id`. */
  const subjectUser = (req: FakeRequest): { id: string } | FakeReply => {
    const caller = userOf(req);
    if (!caller) return problem(401, 'Not authenticated');
    const other = req.query.get('user_id');
    if (!other || other === caller.id) return { id: caller.id };
    return caller.role === 'ADMIN' ? { id: other } : problem(403, 'Admins only');
  };
  const isReply = (x: { id: string } | FakeReply): x is FakeReply => !('id' in x);

  /** The type filters; unknown values are a 400 as the real API would answer. */
  const typeFilter = (req: FakeRequest): ((t: PaymentTransactionRecord) => boolean) | FakeReply => {
    const type = req.query.get('payment_transaction_type') ?? 'all';
    if (type !== 'all' && !TYPES.includes(type)) return problem(400, `Unknown payment_transaction_type ${type}`);
    const ids = req.query.get('payment_transaction_type_id')?.split(',').filter(Boolean) ?? null;
    return (t) => (type === 'all' || t.type.toLowerCase() === type) && (!ids || ids.includes(t.typeId));
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
    // GET /payment-stats (seed line 258, "all payment statistics including global and quarterly"), /global (264), /quarterly (270).
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
        const user = subjectUser(req);
        if (isReply(user)) return user;
        const filter = typeFilter(req);
        if (typeof filter !== 'function') return filter;
        return paged(
          req,
          state.paymentTransactions.filter((t) => (t.payerId === user.id || t.payeeId === user.id) && filter(t)),
          toCo2Trust.paymentTransaction,
        );
      },
    },
    {
      method: 'GET',
      path: `${BASE}/payment-transactions`,
      handler: (req) => {
        const filter = typeFilter(req);
        if (typeof filter !== 'function') return filter;
        return paged(req, state.paymentTransactions.filter(filter), toCo2Trust.paymentTransaction);
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
              toCo2Trust.bankAccount,
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
        const iban = normalizeIban(String(b?.iban ?? ''));
        if (!ibanChecksumValid(iban)) return refuse(422, 'invalid', 'Invalid IBAN', 'iban');
        if (!bicValid(String(b.bic ?? ''))) return refuse(422, 'invalid', 'Invalid BIC', 'bic');
        if (state.bankAccounts.some((a) => a.userId === caller.id && a.iban === iban)) {
          return refuse(409, 'duplicate_bank_account', 'You already have a bank account with this IBAN', 'iban');
        }
        const account: BankAccountRecord & { iban: string } = {
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
        return json(toCo2Trust.bankAccount(account), 201);
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
              toCo2Trust.transfer,
            );
      },
    },
    {
      method: 'POST',
      path: `${BASE}/transfers`,
      handler: (req) => {
        const caller = userOf(req);
        if (!caller) return problem(401, 'Not authenticated');
        // "Create a new transfer" (seed 000, Transfers): the document defines no idempotency, so
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
        return json(toCo2Trust.transfer(transfer), 201);
      },
    },
  ];
}
