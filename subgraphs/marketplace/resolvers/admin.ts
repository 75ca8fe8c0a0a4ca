// Catalogue administration (typed create/update mutations in place of the upstream's generic
// upsert endpoint; admin only, enforced by @requiresScopes) and the mailing list.
import { DomainError, mutationPayload } from '../../../lib/errors.ts';
import type { MutationResolvers, QueryResolvers } from '../__generated__/resolvers-types.ts';
import type { Context } from '../context.ts';
import type { CatalogueModel, CatalogueModels } from '../source.ts';
import { listing } from './catalogue.ts';
import { isEmail } from '../../../lib/rules.ts';
import { Checks, impactPartnerInput, nftInput, productInput, supplierInput, traderInput } from './validation.ts';

const LABEL: Record<CatalogueModel, string> = {
  product: 'Product',
  supplier: 'Supplier',
  trader: 'Trader',
  impactPartner: 'Impact partner',
  nft: 'NFT',
};

async function update<M extends CatalogueModel>(
  ctx: Context,
  model: M,
  id: string,
  input: CatalogueModels[M]['input'],
) {
  const record = await ctx.source.updateModel(model, id, input);
  if (!record) throw new DomainError('NOT_FOUND', `${LABEL[model]} not found`, 'input.id');
  return record;
}

export const adminMutation: MutationResolvers<Context> = {
  createProduct: (_root, { input }, ctx) =>
    mutationPayload('product', () => ctx.source.createModel('product', productInput(input, true))),
  updateProduct: (_root, { input: { id, ...rest } }, ctx) =>
    mutationPayload('product', () => update(ctx, 'product', id, productInput(rest, false))),
  createSupplier: (_root, { input }, ctx) =>
    mutationPayload('supplier', () => ctx.source.createModel('supplier', supplierInput(input, true))),
  updateSupplier: (_root, { input: { id, ...rest } }, ctx) =>
    mutationPayload('supplier', () => update(ctx, 'supplier', id, supplierInput(rest, false))),
  createTrader: (_root, { input }, ctx) =>
    mutationPayload('trader', () => ctx.source.createModel('trader', traderInput(input, true))),
  updateTrader: (_root, { input: { id, ...rest } }, ctx) =>
    mutationPayload('trader', () => update(ctx, 'trader', id, traderInput(rest, false))),
  createImpactPartner: (_root, { input }, ctx) =>
    mutationPayload('impactPartner', () => ctx.source.createModel('impactPartner', impactPartnerInput(input, true))),
  updateImpactPartner: (_root, { input: { id, ...rest } }, ctx) =>
    mutationPayload('impactPartner', () => update(ctx, 'impactPartner', id, impactPartnerInput(rest, false))),
  createNft: (_root, { input }, ctx) =>
    mutationPayload('nft', () => ctx.source.createModel('nft', nftInput(input, true))),
  updateNft: (_root, { input: { id, ...rest } }, ctx) =>
    mutationPayload('nft', () => update(ctx, 'nft', id, nftInput(rest, false))),

  subscribeToMailingList: (_root, { input }, ctx) =>
    mutationPayload('entry', async () => {
      const email = input.email.trim().toLowerCase();
      const c = new Checks();
      if (!isEmail(email)) c.fail('input.email', 'INVALID', 'Enter a valid email address');
      return { ...(await ctx.source.subscribeToMailingList(c.done(email))), justSubscribed: true };
    }),
};

export const adminQuery: QueryResolvers<Context> = {
  mailingList: (_root, args, ctx) => ctx.source.mailingList(listing(args, {})),
};
