import { loader, type Loader } from '../../lib/batch.ts';
import type { Connection, ConnectionArgs } from '../../lib/connection.ts';
import type {
  BalanceKey,
  BankAccountRecord,
  PaymentTransactionRecord,
  PaymentTransactionType,
  PaymentsSource,
  TransferRecord,
} from './source.ts';

/**
 * Per-request DataLoaders. A list under many parents (payments of 50 orders, the transfers of
 * each user) is one batch per page shape: parents asking for the same window share one loader.
 */
export function createLoaders(source: PaymentsSource) {
  const windows = new Map<string, unknown>();
  const perPage = <V>(
    name: string,
    page: ConnectionArgs,
    batch: (ids: readonly string[], page: ConnectionArgs) => Promise<V[]>,
  ): Loader<string, V> => {
    const key = `${name}|${JSON.stringify(page)}`;
    let found = windows.get(key) as Loader<string, V> | undefined;
    if (!found) {
      found = loader((ids: readonly string[]) => batch(ids, page), { maxBatchSize: 100 });
      windows.set(key, found);
    }
    return found;
  };
  return {
    paymentsOf: (type: PaymentTransactionType, page: ConnectionArgs) =>
      perPage<Connection<PaymentTransactionRecord>>(`subject:${type}`, page, (ids, p) =>
        source.paymentsOfSubjects(type, ids, p),
      ),
    paymentTransactionsOfUser: (page: ConnectionArgs) =>
      perPage<Connection<PaymentTransactionRecord>>('user:transactions', page, (ids, p) =>
        source.paymentTransactionsOfUsers(ids, p),
      ),
    bankAccountsOfUser: (page: ConnectionArgs) =>
      perPage<Connection<BankAccountRecord>>('user:bankAccounts', page, (ids, p) => source.bankAccountsOfUsers(ids, p)),
    transfersOfUser: (page: ConnectionArgs) =>
      perPage<Connection<TransferRecord>>('user:transfers', page, (ids, p) => source.transfersOfUsers(ids, p)),
    bankAccount: loader((keys: readonly { userId: string; id: string }[]) => source.bankAccountsOf(keys), {
      cacheKeyFn: (k) => `${k.userId}|${k.id}`,
    }),
    availableBalance: loader((keys: readonly BalanceKey[]) => source.availableBalances(keys), {
      cacheKeyFn: (k) => `${k.userId}|${k.currency}`,
    }),
  };
}

export type PaymentsLoaders = ReturnType<typeof createLoaders>;
