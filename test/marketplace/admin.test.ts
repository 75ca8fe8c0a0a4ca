import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DEMO } from '../../demo/data.ts';
import { MODES } from '../support/env.ts';
import { codes } from '../support/graphql.ts';
import { DEMO_IDS } from '../support/ids.ts';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import {
  AdminCreateImpactPartnerDocument,
  AdminCreateNftDocument,
  AdminCreateProductDocument,
  AdminCreateSupplierDocument,
  AdminCreateTraderDocument,
  AdminUpdateImpactPartnerDocument,
  AdminUpdateNftDocument,
  AdminUpdateProductDocument,
  AdminUpdateSupplierDocument,
  AdminUpdateTraderDocument,
  ImpactPartnerIdDocument,
  ImpactPartnerIdsDocument,
  JoinMailingListDocument,
  MailingListPageDocument,
  MailingListTotalDocument,
  MintableNftIdsDocument,
  MyNftIdsDocument,
  SupplierIdDocument,
  SupplierIdsDocument,
  SupplierVisibilityDocument,
  TraderIdDocument,
  TraderIdsDocument,
} from '../__generated__/marketplace-operations.ts';
import { data, ids, startMarketplace, type Marketplace } from './helpers.ts';

const { suppliers: S, products: P, nfts: N } = DEMO_IDS;
const { traders: TR, impactPartners: IP } = DEMO;
/** The admin mutations by root field, each answering its payload with its user errors. */
type Payload = Record<string, unknown> & { userErrors: { field: string[] | null; code: string; message: string }[] };
type AdminMutation = TypedDocumentNode<Record<string, Payload>, { input: never }>;
const M = {
  createProduct: AdminCreateProductDocument,
  updateProduct: AdminUpdateProductDocument,
  createSupplier: AdminCreateSupplierDocument,
  updateSupplier: AdminUpdateSupplierDocument,
  createTrader: AdminCreateTraderDocument,
  updateTrader: AdminUpdateTraderDocument,
  createImpactPartner: AdminCreateImpactPartnerDocument,
  updateImpactPartner: AdminUpdateImpactPartnerDocument,
  createNft: AdminCreateNftDocument,
  updateNft: AdminUpdateNftDocument,
} satisfies Record<string, AdminMutation>;

/** A valid input for each admin mutation. */
const VALID: Record<keyof typeof M, Record<string, unknown>> = {
  createProduct: {
    name: 'Kelp Sinking 2025',
    productType: 'REMOVAL',
    supplierId: S[1],
    countryCode: 'IS',
    vintage: 2025,
    pricePerTonne: { amount: '210.50', currency: 'EUR' },
    availableQuantity: '120.5',
  },
  updateProduct: { id: P[0], description: 'Updated description' },
  createSupplier: { name: 'Andes Reforestation', countryCode: 'PE', methodologyCode: 'VM0047', featured: true },
  updateSupplier: { id: S[2], featured: true },
  createTrader: { name: 'Oslo Offsets', supplierId: S[0], countryCode: 'NO' },
  updateTrader: { id: TR[0], name: 'Baltic Carbon Brokers' },
  createImpactPartner: { name: 'Mangrove Watch', countryCode: 'ID', websiteUrl: 'https://mangrove.example' },
  updateImpactPartner: { id: IP[0], websiteUrl: 'https://cleancooking.example/' },
  createNft: {
    name: 'Kelp Token #1',
    tokenAddress: '0x00000000000000000000000000000000000000aa',
    tokenId: '42',
    quantity: '10',
  },
  updateNft: { id: N[2], name: 'Biochar Removal Token #7' },
};

describe.each(MODES)('marketplace administration and mailing list (%s mode)', (mode) => {
  let m: Marketplace;
  beforeAll(async () => {
    m = await startMarketplace(mode);
  });
  afterAll(async () => {
    await m?.stop();
  });

  // Inputs here are often invalid on purpose (the subgraph's validation is under test): sent as they are.
  const send = (who: 'alice' | 'admin' | null, name: keyof typeof M, input: Record<string, unknown>) => {
    const mutation: AdminMutation = M[name];
    return m.as(who, mutation, { input: input as never });
  };
  const run = async (who: 'alice' | 'admin', name: keyof typeof M, input: Record<string, unknown>) =>
    data(await send(who, name, input))[name]!;
  const errorCodes = (payload: Payload) => payload.userErrors.map((e) => `${e.code} ${e.field!.join('.')}`);

  it.each(Object.keys(M) as (keyof typeof M)[])(
    '%s: anonymous is UNAUTHENTICATED, a user FORBIDDEN, an admin succeeds',
    async (name) => {
      expect(codes(await send(null, name, VALID[name]))).toEqual(['UNAUTHENTICATED']);
      expect(codes(await send('alice', name, VALID[name]))).toEqual(['FORBIDDEN']);
      const ok = await run('admin', name, VALID[name]);
      expect(ok.userErrors).toEqual([]);
      expect(Object.values(ok).find((v) => v && typeof v === 'object' && 'id' in v)).toBeTruthy();
    },
  );

  it('createProduct stores exact money and mass; the product is listed and readable', async () => {
    const created = await run('admin', 'createProduct', VALID.createProduct);
    expect(created.product).toMatchObject({
      name: 'Kelp Sinking 2025',
      productType: 'REMOVAL',
      countryCode: 'IS',
      vintage: 2025,
      pricePerTonne: { amount: '210.50', currency: 'EUR' },
      availableQuantity: '120.5',
      isPublic: true,
      supplier: { id: S[1] },
    });
    const id = (created.product as { id: string }).id;
    expect(data(await m.as(null, `{ product(id: "${id}") { name } }`)).product).toEqual({ name: 'Kelp Sinking 2025' });
    const updated = await run('admin', 'updateProduct', {
      id,
      pricePerTonne: { amount: '199.99', currency: 'EUR' },
      availableQuantity: '0',
      isPublic: false,
    });
    expect(updated.product).toMatchObject({
      name: 'Kelp Sinking 2025',
      pricePerTonne: { amount: '199.99', currency: 'EUR' },
      availableQuantity: '0',
      isPublic: false,
    });
    expect(data(await m.as('alice', `{ product(id: "${id}") { name } }`)).product).toBeNull();
  });

  it('validates names, prices, quantities, URLs and references as user errors and writes nothing', async () => {
    const before = data(await m.as('admin', '{ products { totalCount } }')).products.totalCount;
    const bad = await run('admin', 'createProduct', {
      ...VALID.createProduct,
      name: '  ',
      pricePerTonne: { amount: '-1', currency: 'EUR' },
      availableQuantity: '-5',
    });
    expect(bad.product).toBeNull();
    expect(errorCodes(bad).sort()).toEqual([
      'INVALID input.availableQuantity',
      'INVALID input.pricePerTonne.amount',
      'REQUIRED input.name',
    ]);
    expect(
      errorCodes(
        await run('admin', 'createProduct', {
          ...VALID.createProduct,
          pricePerTonne: { amount: '1.001', currency: 'EUR' },
        }),
      ),
    ).toEqual(['INVALID input.pricePerTonne.amount']);
    expect(
      errorCodes(
        await run('admin', 'createProduct', {
          ...VALID.createProduct,
          supplierId: 'de020000-0000-4000-8000-00000000ffff',
        }),
      ),
    ).toEqual(['NOT_FOUND input.supplierId']);
    expect(data(await m.as('admin', '{ products { totalCount } }')).products.totalCount).toBe(before);
    expect(errorCodes(await run('admin', 'createSupplier', { name: '' }))).toEqual(['REQUIRED input.name']);
    expect(errorCodes(await run('admin', 'updateSupplier', { id: S[0], name: null }))).toEqual(['REQUIRED input.name']);
    expect(errorCodes(await run('admin', 'createTrader', { name: ' ' }))).toEqual(['REQUIRED input.name']);
    expect(errorCodes(await run('admin', 'createImpactPartner', { name: 'X', websiteUrl: 'ftp://nope' }))).toEqual([
      'INVALID input.websiteUrl',
    ]);
    expect(errorCodes(await run('admin', 'createNft', { ...VALID.createNft, tokenId: '43', quantity: '-1' }))).toEqual([
      'INVALID input.quantity',
    ]);
    expect(
      errorCodes(
        await run('admin', 'createNft', { ...VALID.createNft, tokenId: '44', quantity: '5', availableQuantity: '6' }),
      ),
    ).toEqual(['INVALID input.availableQuantity']);
    expect(errorCodes(await run('admin', 'updateNft', { id: N[0], availableQuantity: '-0.5' }))).toEqual([
      'INVALID input.availableQuantity',
    ]);
  });

  it('an NFT for a token that already has one is a CONFLICT', async () => {
    const dup = await run('admin', 'createNft', { name: 'Copy', ...DEMO.tokens[0], quantity: '1' });
    expect(dup.nft).toBeNull();
    expect(dup.userErrors.map((e) => e.code)).toEqual(['CONFLICT']);
  });

  it('a country code that is not ISO 3166-1 alpha-2 is refused by its scalar', async () => {
    const res = await m.as('admin', AdminCreateSupplierDocument, {
      input: { name: 'Nowhere Carbon', countryCode: 'XX1' },
    });
    expect(codes(res)).toEqual(['BAD_USER_INPUT']);
    expect(codes(await m.as('admin', AdminCreateTraderDocument, { input: { name: 'T', countryCode: 'ZZZ' } }))).toEqual(
      ['BAD_USER_INPUT'],
    );
  });

  it('updating an unknown record is a NOT_FOUND user error', async () => {
    const unknown = 'de0f0000-0000-4000-8000-00000000ffff';
    for (const name of [
      'updateProduct',
      'updateSupplier',
      'updateTrader',
      'updateImpactPartner',
      'updateNft',
    ] as const) {
      expect(errorCodes(await run('admin', name, { id: unknown, name: 'Anything' }))).toEqual(['NOT_FOUND input.id']);
    }
  });

  it('non-public suppliers, traders and impact partners are visible to admins only', async () => {
    const supplier = (
      await run('admin', 'createSupplier', { name: 'Hidden Soil Carbon', countryCode: 'DK', isPublic: false })
    ).supplier as { id: string };
    const trader = (await run('admin', 'createTrader', { name: 'Hidden Desk', isPublic: false })).trader as {
      id: string;
    };
    const partner = (await run('admin', 'createImpactPartner', { name: 'Hidden Partner', isPublic: false }))
      .impactPartner as { id: string };
    for (const who of [null, 'alice'] as const) {
      expect(data(await m.as(who, SupplierIdDocument, { id: supplier.id })).supplier).toBeNull();
      expect(data(await m.as(who, TraderIdDocument, { id: trader.id })).trader).toBeNull();
      expect(data(await m.as(who, ImpactPartnerIdDocument, { id: partner.id })).impactPartner).toBeNull();
      expect(ids(data(await m.as(who, SupplierIdsDocument, {})).suppliers)).not.toContain(supplier.id);
      expect(ids(data(await m.as(who, TraderIdsDocument, {})).traders)).not.toContain(trader.id);
      expect(ids(data(await m.as(who, ImpactPartnerIdsDocument, {})).impactPartners)).not.toContain(partner.id);
    }
    expect(data(await m.as('admin', SupplierVisibilityDocument, { id: supplier.id })).supplier).toEqual({
      name: 'Hidden Soil Carbon',
      isPublic: false,
    });
    const ref = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Supplier { id } } }`;
    expect(data(await m.as('alice', ref, { r: [{ __typename: 'Supplier', id: supplier.id }] }))._entities).toEqual([
      null,
    ]);
    expect(data(await m.as('admin', ref, { r: [{ __typename: 'Supplier', id: supplier.id }] }))._entities).toEqual([
      { id: supplier.id },
    ]);
    expect(ids(data(await m.as('admin', TraderIdsDocument, {})).traders)).toContain(trader.id);
    expect(ids(data(await m.as('admin', ImpactPartnerIdsDocument, {})).impactPartners)).toContain(partner.id);
  });

  it('a created NFT is mintable until someone holds it', async () => {
    const nft = (
      await run('admin', 'createNft', {
        name: 'Kelp Token #2',
        tokenAddress: '0x00000000000000000000000000000000000000bb',
        tokenId: '1',
        quantity: '3',
      })
    ).nft as { id: string; availableQuantity: string };
    expect(nft.availableQuantity).toBe('3');
    expect(ids(data(await m.as(null, MintableNftIdsDocument, {})).mintableNfts)).toContain(nft.id);
    await run('admin', 'updateNft', { id: nft.id, ownerId: DEMO.users.bob.id });
    expect(ids(data(await m.as(null, MintableNftIdsDocument, {})).mintableNfts)).not.toContain(nft.id);
    expect(ids(data(await m.as('bob', MyNftIdsDocument, {})).me!.nfts)).toContain(nft.id);
  });

  it('subscribeToMailingList needs no token, validates the address and keeps one entry per address', async () => {
    const SUB = JoinMailingListDocument;
    const first = data(await m.as(null, SUB, { email: 'Climate.Fan@Example.org' })).subscribeToMailingList;
    expect(first.entry!.email).toBe('climate.fan@example.org');
    const again = data(await m.as(null, SUB, { email: 'climate.fan@example.org ' })).subscribeToMailingList;
    expect(again).toEqual({ entry: first.entry, userErrors: [] });
    const concurrent = await Promise.all(
      Array.from({ length: 10 }, () => m.as(null, SUB, { email: 'rush@example.org' })),
    );
    expect(new Set(concurrent.map((r) => data(r).subscribeToMailingList.entry!.id)).size).toBe(1);
    const bad = data(await m.as(null, SUB, { email: 'not an address' })).subscribeToMailingList;
    expect(bad).toEqual({
      entry: null,
      userErrors: [{ field: ['input', 'email'], code: 'INVALID', message: 'Enter a valid email address' }],
    });
    const list = data(await m.as('admin', MailingListPageDocument, {})).mailingList!;
    expect(list.totalCount).toBe(2);
    expect(list.nodes).toEqual([{ email: 'rush@example.org' }]);
    expect(list.pageInfo.hasNextPage).toBe(true);
    const next = data(await m.as('admin', MailingListPageDocument, { after: list.pageInfo.endCursor })).mailingList;
    expect([next?.nodes, next?.pageInfo.hasNextPage]).toEqual([[{ email: 'climate.fan@example.org' }], false]);
  });

  it('mailingList is for admins only', async () => {
    expect(codes(await m.as(null, MailingListTotalDocument, {}))).toEqual(['UNAUTHENTICATED']);
    expect(codes(await m.as('alice', MailingListTotalDocument, {}))).toEqual(['FORBIDDEN']);
    expect(codes(await m.as('bob', MailingListTotalDocument, {}))).toEqual(['FORBIDDEN']);
  });
});
