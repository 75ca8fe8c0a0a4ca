// Offsetting a resold product: arguments -> the flow -> GraphQL shape, and the links between
// offset orders and the products they offset.
import { requireViewer } from '../../../../lib/auth.ts';
import { mutationPayload, unauthenticated } from '../../../../lib/errors.ts';
import type {
  MutationResolvers,
  OffsetOrderResolvers,
  ResoldProductResolvers,
} from '../../__generated__/resolvers-types.ts';
import type { Context } from '../../context.ts';
import { DEFAULT_OFFSET_CURRENCY } from '../allocation.ts';
import type { OffsetOrderView } from '../source.ts';
import { offsetProductRequest } from './input.ts';

/** The caller's token: footprints is asked on the caller's behalf, so it answers as it would the caller. */
function callerToken(ctx: Context): string {
  if (!ctx.auth.token) throw unauthenticated();
  return ctx.auth.token;
}

export const offsetProductMutations: MutationResolvers<Context> = {
  offsetResoldProduct: (_root, { input }, ctx) =>
    mutationPayload('offsetOrder', () => {
      const viewer = requireViewer(ctx);
      const request = offsetProductRequest(input);
      return ctx.offsetProducts.offset(
        viewer,
        callerToken(ctx),
        request,
        ctx.offsets.defaultCurrency ?? DEFAULT_OFFSET_CURRENCY,
      );
    }),
};

export const offsetProductOrderFields: Pick<OffsetOrderResolvers<Context>, 'resoldProduct' | 'offsetYear'> = {
  resoldProduct: async (o, _args, ctx) => {
    const run = await ctx.offsetLoaders.productRun.load(o.id);
    return run && { id: run.resoldProductId };
  },
  offsetYear: async (o, _args, ctx) => (await ctx.offsetLoaders.productRun.load(o.id))?.year ?? null,
};

export const offsetProductFields: Pick<ResoldProductResolvers<Context>, 'offsetOrders'> = {
  offsetOrders: async (product, args, ctx) => {
    const viewer = requireViewer(ctx);
    const ids = await ctx.offsetProducts.orderIdsOfProduct(viewer, product.id, args);
    const orders = await ctx.offsetLoaders.offsetOrder.loadMany(ids.nodes);
    const byId = new Map(orders.flatMap((o) => (o && !(o instanceof Error) ? [[o.id, o] as const] : [])));
    // An order the provider no longer answers for is left out rather than failing the list.
    const edges = ids.edges.flatMap((e) =>
      byId.has(e.node) ? [{ cursor: e.cursor, node: byId.get(e.node)! as OffsetOrderView }] : [],
    );
    return { ...ids, edges, nodes: edges.map((e) => e.node) };
  },
};
