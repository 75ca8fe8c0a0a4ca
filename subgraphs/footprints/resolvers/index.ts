import { keysetSlice } from '../../../lib/connection.ts';
import { mutationPayload } from '../../../lib/errors.ts';
import { commonResolvers } from '../../../lib/scalars.ts';
import type { Resolvers } from '../__generated__/resolvers-types.ts';
import type { Context } from '../context.ts';
import {
  checkSupplierPeriods,
  feedLimit,
  inviteProductIds,
  productPageSize,
  productSupplierFields,
  productSupplierPatch,
  resoldProductFields,
} from '../rules.ts';

const feed = (args: { groupId: string; since?: string | null; limit?: number | null }) => ({
  groupId: args.groupId,
  since: args.since ?? null,
  limit: feedLimit(args.limit),
});

export const resolvers: Resolvers<Context> = {
  ...commonResolvers,

  Query: {
    groups: (_root, _args, ctx) => ctx.source.groups(),
    resoldProducts: (_root, args, ctx) => {
      productPageSize(args.first ?? args.last, args.first == null && args.last != null ? 'last' : 'first');
      return ctx.source.resoldProducts(args.groupId, args);
    },
    resoldProduct: (_root, { id }, ctx) => ctx.loaders.resoldProduct.load(id),
    resoldProductUpdates: (_root, args, ctx) => ctx.source.resoldProductUpdates(feed(args)),
    footprintUpdates: (_root, args, ctx) => ctx.source.footprintUpdates(feed(args)),
    footprintBaselineUpdates: (_root, args, ctx) => ctx.source.footprintBaselineUpdates(feed(args)),
    productSuppliers: async (_root, args, ctx) => {
      const all = await ctx.source.productSuppliers(args.groupId, args.customId ?? null);
      // Read whole (a group has few suppliers), paged by keyset: by name, ties by id.
      return keysetSlice(all, args, {
        list: 'ProductSupplier',
        keys: [
          { field: 'name', direction: 'ASC', kind: 'string', of: (s) => s.name },
          { field: 'id', direction: 'ASC', kind: 'string', of: (s) => s.id },
        ],
      });
    },
    productSupplier: (_root, { id }, ctx) => ctx.loaders.productSupplier.load(id),
  },

  Mutation: {
    createResoldProduct: (_root, { input }, ctx) =>
      mutationPayload('resoldProduct', () =>
        ctx.source.createResoldProduct({ ...resoldProductFields(input), groupId: input.groupId }),
      ),
    updateResoldProduct: (_root, { input }, ctx) =>
      mutationPayload('resoldProduct', () => ctx.source.updateResoldProduct(input.id, resoldProductFields(input))),
    deleteResoldProduct: (_root, { input }, ctx) =>
      mutationPayload('deletedResoldProductId', async () => {
        await ctx.source.deleteResoldProduct(input.id);
        return input.id;
      }),
    setSupplierPeriods: async (_root, { input }, ctx) => {
      const periods = input.periods.map((p) => ({
        id: p.id ?? null,
        supplierId: p.supplierId,
        validFrom: p.validFrom ?? null,
        validTo: p.validTo ?? null,
      }));
      const payload = await mutationPayload('supplierPeriods', () => {
        checkSupplierPeriods(periods);
        return ctx.source.setSupplierPeriods(input.resoldProductId, periods);
      });
      return {
        ...payload,
        resoldProduct: payload.supplierPeriods ? await ctx.loaders.resoldProduct.load(input.resoldProductId) : null,
      };
    },
    createProductSupplier: (_root, { input }, ctx) =>
      mutationPayload('productSupplier', () =>
        ctx.source.createProductSupplier({ ...productSupplierFields(input), groupId: input.groupId }),
      ),
    updateProductSupplier: (_root, { input }, ctx) =>
      mutationPayload('productSupplier', () => ctx.source.updateProductSupplier(input.id, productSupplierPatch(input))),
    deleteProductSupplier: (_root, { input }, ctx) =>
      mutationPayload('deletedProductSupplierId', async () => {
        await ctx.source.deleteProductSupplier(input.id);
        return input.id;
      }),
    inviteProductSupplier: (_root, { input }, ctx) =>
      mutationPayload('productSupplier', async () => {
        await ctx.source.inviteProductSupplier(input.supplierId, inviteProductIds(input.resoldProductIds));
        const [supplier] = await ctx.source.productSuppliersByIds([input.supplierId]);
        return supplier ?? null;
      }),
  },

  ResoldProduct: {
    __resolveReference: (ref, ctx) => ctx.loaders.resoldProduct.load(ref.id),
    group: async (p, _args, ctx) => (await ctx.loaders.group.load(p.groupId)) ?? { id: p.groupId, name: '' },
    footprint: (p, _args, ctx) => ctx.loaders.footprint.load({ id: p.id, groupId: p.groupId }),
    footprintBaseline: (p, _args, ctx) => ctx.loaders.footprintBaseline.load({ id: p.id, groupId: p.groupId }),
    currentSupplier: (p, _args, ctx) => ctx.loaders.currentSupplier.load(p.id),
    supplierPeriods: async (p, _args, ctx) => (await ctx.loaders.supplierPeriods.load(p.id)) ?? [],
  },

  ResoldProductChange: {
    resoldProduct: (c, _args, ctx) => ctx.loaders.resoldProduct.load(c.resoldProductId),
  },

  ProductSupplierEngagement: {
    supplier: (e, _args, ctx) => ctx.loaders.productSupplier.load(e.supplierId),
  },

  SupplierPeriod: {
    supplier: (p, _args, ctx) => ctx.loaders.productSupplier.load(p.supplierId),
  },

  ProductSupplier: {
    group: async (s, _args, ctx) => (await ctx.loaders.group.load(s.groupId)) ?? { id: s.groupId, name: '' },
    linkedProducts: (s, { status }, ctx) => ctx.source.linkedProducts(s.id, status ?? null),
  },

  SupplierLinkedProduct: {
    resoldProduct: (l, _args, ctx) => ctx.loaders.resoldProduct.load(l.resoldProductId),
  },
};
