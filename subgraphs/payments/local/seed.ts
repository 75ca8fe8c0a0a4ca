// The deterministic demo data set of payments, seeded on first start. It pays for the
// marketplace's demo orders, suppliers and NFTs (demo/data.ts ids), and gives alice and bob
// completed incoming payments so that balances and transfers can be shown. The CO2Trust contract
// fake serves the same records, so both modes answer alike.
import { DEMO, demoId } from '../../../demo/data.ts';
import { dec, toMinor } from '../../../lib/decimal.ts';
import type { EntityManager } from '../../../lib/db.ts';
import type { BankAccountRecord, PaymentTransactionRecord, TransferRecord } from '../source.ts';
import { Balance, BankAccount, PaymentTransaction, Transfer } from './entities.ts';
import { toRow } from './mapping.ts';

// Payments ids use kind 15 by range: transactions 0x1000+, bank accounts 0x2000+, transfers 0x3000+.
export const DEMO_PAYMENTS = {
  transactions: Array.from({ length: 12 }, (_, i) => demoId(15, 0x1000 + i + 1)),
  bankAccounts: { alice: demoId(15, 0x2001) },
  transfers: [demoId(15, 0x3001)],
};

const { users: U, orders: O, suppliers: S, nfts: N } = DEMO;
const T = DEMO_PAYMENTS.transactions;

const tx = (
  i: number,
  type: PaymentTransactionRecord['type'],
  typeId: string,
  payerId: string,
  payeeId: string | null,
  amount: string,
  currency: string,
  status: PaymentTransactionRecord['status'],
  iso: string,
): PaymentTransactionRecord => ({
  id: T[i]!,
  type,
  typeId,
  externalReference: `demo-payment-${i + 1}`,
  payerId,
  payeeId,
  amount: { amount: dec(amount), currency },
  status,
  createdAt: new Date(iso),
});

export const demoPaymentTransactions: PaymentTransactionRecord[] = [
  tx(0, 'NFT', N[0], U.bob.id, U.alice.id, '800.00', 'EUR', 'COMPLETED', '2025-11-20T10:00:00.000Z'),
  tx(1, 'NFT', N[1], U.alice.id, U.bob.id, '600.00', 'EUR', 'COMPLETED', '2026-02-20T10:00:00.000Z'),
  tx(2, 'ORDER', O[0], U.alice.id, null, '325.00', 'EUR', 'COMPLETED', '2026-03-01T12:05:00.000Z'),
  tx(3, 'ORDER', O[1], U.alice.id, null, '362.50', 'EUR', 'COMPLETED', '2026-03-02T12:05:00.000Z'),
  tx(4, 'ORDER', O[2], U.bob.id, null, '1275.00', 'EUR', 'COMPLETED', '2026-03-03T12:05:00.000Z'),
  tx(5, 'ORDER', O[3], U.bob.id, null, '130.00', 'EUR', 'PENDING', '2026-03-04T12:05:00.000Z'),
  tx(6, 'ORDER', O[4], U.alice.id, null, '1500.00', 'EUR', 'COMPLETED', '2026-03-05T12:05:00.000Z'),
  tx(7, 'SUPPLIER', S[0], U.admin.id, null, '1200.00', 'EUR', 'COMPLETED', '2026-03-15T09:00:00.000Z'),
  tx(8, 'SUPPLIER', S[2], U.admin.id, null, '950.00', 'USD', 'COMPLETED', '2026-04-02T09:00:00.000Z'),
  tx(9, 'NFT', N[0], U.bob.id, U.alice.id, '250.00', 'EUR', 'COMPLETED', '2026-04-10T10:00:00.000Z'),
  tx(10, 'NFT', N[1], U.admin.id, U.bob.id, '3000.00', 'SEK', 'COMPLETED', '2026-04-12T10:00:00.000Z'),
  tx(11, 'NFT', N[0], U.bob.id, U.alice.id, '100.00', 'EUR', 'PENDING', '2026-04-15T10:00:00.000Z'),
];

/** Alice's payout account (a valid Swedish IBAN). The full IBAN exists only in storage. */
export const demoBankAccounts: (BankAccountRecord & { iban: string })[] = [
  {
    id: DEMO_PAYMENTS.bankAccounts.alice,
    userId: U.alice.id,
    holderName: 'Alice Buyer',
    iban: 'SE4550000000058398257466',
    ibanLast4: '7466',
    bic: 'ESSESESS',
    currency: 'EUR',
    countryCode: 'SE',
    createdAt: new Date('2026-04-01T08:00:00.000Z'),
  },
];

export const demoTransfers: (TransferRecord & { idempotencyKey: string })[] = [
  {
    id: DEMO_PAYMENTS.transfers[0]!,
    userId: U.alice.id,
    bankAccountId: DEMO_PAYMENTS.bankAccounts.alice,
    amount: { amount: dec('50.00'), currency: 'EUR' },
    status: 'COMPLETED',
    reference: 'First payout',
    idempotencyKey: 'demo-transfer-1',
    createdAt: new Date('2026-04-20T08:00:00.000Z'),
  },
];

/** Available balances implied by the demo records: completed incoming payments minus transfers. */
export function demoBalances(): { userId: string; currency: string; availableMinor: bigint }[] {
  const byKey = new Map<string, { userId: string; currency: string; availableMinor: bigint }>();
  const add = (userId: string, currency: string, minor: bigint) => {
    const key = `${userId}|${currency}`;
    const row = byKey.get(key) ?? { userId, currency, availableMinor: 0n };
    row.availableMinor += minor;
    byKey.set(key, row);
  };
  for (const t of demoPaymentTransactions) {
    if (t.status === 'COMPLETED' && t.payeeId)
      add(t.payeeId, t.amount.currency, toMinor(t.amount.amount, t.amount.currency));
  }
  for (const t of demoTransfers) add(t.userId, t.amount.currency, -toMinor(t.amount.amount, t.amount.currency));
  return [...byKey.values()];
}

/** Inserts the demo data set into an empty database; does nothing when transactions exist. */
export async function seedPayments(em: EntityManager): Promise<boolean> {
  if ((await em.count(PaymentTransaction, {})) > 0) return false;
  for (const t of demoPaymentTransactions) em.create(PaymentTransaction, toRow.paymentTransaction(t));
  for (const { ibanLast4: _last4, ...a } of demoBankAccounts) em.create(BankAccount, a);
  for (const t of demoTransfers) {
    em.create(Transfer, {
      id: t.id,
      userId: t.userId,
      bankAccountId: t.bankAccountId,
      amountMinor: toMinor(t.amount.amount, t.amount.currency),
      currency: t.amount.currency,
      status: t.status,
      reference: t.reference,
      idempotencyKey: t.idempotencyKey,
      requestHash: 'seed',
      createdAt: t.createdAt,
    });
  }
  for (const b of demoBalances()) em.create(Balance, b);
  await em.flush();
  return true;
}
