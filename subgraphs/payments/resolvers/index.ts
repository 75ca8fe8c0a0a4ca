import { requireService, requireViewer } from '../../../lib/auth.ts';
import { PAYMENTS_TOPIC, paymentSubscriptions } from './live.ts';
import { pageArgs, wantsTotalCount } from '../../../lib/connection.ts';
import { mutationPayload } from '../../../lib/errors.ts';
import { commonResolvers } from '../../../lib/scalars.ts';
import type { Resolvers } from '../__generated__/resolvers-types.ts';
import type { Context } from '../context.ts';
import type { EntityRef, PaymentTransactionRecord } from '../source.ts';
import { validateBankAccount, validateFilter, validatePaymentTransaction, validateTransfer } from '../validation.ts';

const ref = (id: string | null): EntityRef | null => (id ? { id } : null);
const subjectOf = (t: PaymentTransactionRecord, type: PaymentTransactionRecord['type']) =>
  t.type === type ? ref(t.typeId) : null;

export const resolvers: Resolvers<Context> = {
  ...commonResolvers,

  Query: {
    paymentStats: () => ({}),
    paymentTransactions: (_root, args, ctx, info) =>
      ctx.source.paymentTransactions({
        page: pageArgs(args),
        filter: validateFilter(args.filter),
        order: args.order ?? 'DESC',
        totalCount: wantsTotalCount(info),
      }),
  },

  Mutation: {
    createBankAccount: (_root, { input }, ctx) => {
      requireViewer(ctx);
      return mutationPayload('bankAccount', () => ctx.source.createBankAccount(validateBankAccount(input)));
    },
    createTransfer: (_root, { input }, ctx) => {
      requireViewer(ctx);
      return mutationPayload('transfer', () => ctx.source.createTransfer(validateTransfer(input)));
    },
    recordPaymentTransaction: async (_root, { input }, ctx) => {
      requireService(ctx);
      const payload = await mutationPayload('paymentTransaction', () =>
        ctx.source.recordPaymentTransaction(validatePaymentTransaction(input)),
      );
      // Live updates (resolvers/live.ts): the record's subject, no personal data.
      if (payload.paymentTransaction) ctx.live.publish(PAYMENTS_TOPIC, { typeId: payload.paymentTransaction.typeId });
      return payload;
    },
  },

  Subscription: paymentSubscriptions,

  PaymentStats: {
    global: (_stats, _args, ctx) => ctx.source.globalStats(),
    quarterly: (_stats, _args, ctx) => ctx.source.quarterlyStats(),
  },

  PaymentTransaction: {
    payer: (t) => ({ id: t.payerId }),
    payee: (t) => ref(t.payeeId),
    order: (t) => subjectOf(t, 'ORDER'),
    supplier: (t) => subjectOf(t, 'SUPPLIER'),
    nft: (t) => subjectOf(t, 'NFT'),
  },

  BankAccount: {
    availableBalance: async (a, _args, ctx) =>
      (await ctx.loaders.availableBalance.load({ userId: a.userId, currency: a.currency }))!,
  },

  Transfer: {
    bankAccount: (t, _args, ctx) => ctx.loaders.bankAccount.load({ userId: t.userId, id: t.bankAccountId }),
  },

  Order: {
    __resolveReference: (r) => ({ id: r.id }),
    payments: async (o, args, ctx) => (await ctx.loaders.paymentsOf('ORDER', pageArgs(args)).load(o.id))!,
  },

  Supplier: {
    __resolveReference: (r) => ({ id: r.id }),
    payments: async (s, args, ctx) => (await ctx.loaders.paymentsOf('SUPPLIER', pageArgs(args)).load(s.id))!,
  },

  Nft: {
    __resolveReference: (r) => ({ id: r.id }),
    payments: async (n, args, ctx) => (await ctx.loaders.paymentsOf('NFT', pageArgs(args)).load(n.id))!,
  },

  // A user's payment data: only the user and admins see the user here at all (policy.ts).
  User: {
    __resolveReference: (r) => ({ id: r.id }),
    paymentTransactions: async (u, args, ctx) =>
      (await ctx.loaders.paymentTransactionsOfUser(pageArgs(args)).load(u.id))!,
    bankAccounts: async (u, args, ctx) => (await ctx.loaders.bankAccountsOfUser(pageArgs(args)).load(u.id))!,
    transfers: async (u, args, ctx) => (await ctx.loaders.transfersOfUser(pageArgs(args)).load(u.id))!,
  },
};
