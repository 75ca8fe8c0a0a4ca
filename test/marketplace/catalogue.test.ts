import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DEMO } from '../../demo/data.ts';
import { MODES } from '../support/env.ts';
import { codes } from '../support/graphql.ts';
import { DEMO_IDS } from '../support/ids.ts';
import {
  BundleOrderDetailsDocument,
  BundleOrderIdOfDocument,
  BundleOrderListDocument,
  ImpactPartnerDetailsDocument,
  ImpactPartnersAscendingDocument,
  ImpactPartnerTotalDocument,
  LastProductOptionDocument,
  MintableNftTokensDocument,
  MyAvailableNftsAndPurchasesDocument,
  NftDetailsDocument,
  NftListDocument,
  ProductOptionsOfTypeDocument,
  ProductOrderIdOfDocument,
  ProductOrderLinksDocument,
  ProductOrderListDocument,
  SupplierDetailsDocument,
  SupplierDirectoryDocument,
  SupplierOptionNamesDocument,
  SupplierPageDocument,
  TraderDetailsDocument,
  TraderListDocument,
  type SupplierFilter,
} from '../__generated__/marketplace-operations.ts';
import { data, ids, startMarketplace, type Marketplace } from './helpers.ts';

const { suppliers: S, products: P, nfts: N } = DEMO_IDS;
const { traders: TR, impactPartners: IP, bundleOrders: B, productOrders: PO } = DEMO;

describe.each(MODES)('marketplace catalogue (%s mode)', (mode) => {
  let m: Marketplace;
  beforeAll(async () => {
    m = await startMarketplace(mode);
  });
  afterAll(async () => {
    await m?.stop();
  });

  it('lists suppliers with the featured, country and methodology filters and both sort directions', async () => {
    const all = data(await m.as(null, SupplierDirectoryDocument, {})).suppliers;
    expect(all.totalCount).toBe(3);
    expect(ids(all)).toEqual([S[2], S[1], S[0]]);
    const asc = data(await m.as(null, SupplierPageDocument, { order: 'ASC', first: 2 })).suppliers;
    expect(ids(asc)).toEqual([S[0], S[1]]);
    expect(asc.pageInfo.hasNextPage).toBe(true);
    const suppliers = async (filter: SupplierFilter) =>
      ids(data(await m.as(null, SupplierPageDocument, { filter })).suppliers);
    expect(await suppliers({ featured: true })).toEqual([S[2], S[0]]);
    expect(await suppliers({ countryCode: 'IS' })).toEqual([S[1]]);
    expect(await suppliers({ methodologyCode: 'GS-TPDDTEC' })).toEqual([S[2]]);
    expect(await suppliers({ featured: false, countryCode: 'SE' })).toEqual([]);
  });

  it('reads one supplier and lists supplier and product options by name', async () => {
    const s = data(await m.as(null, SupplierDetailsDocument, { id: S[1]! })).supplier;
    expect(s).toEqual({
      id: S[1],
      name: 'Icelandic Biochar',
      countryCode: 'IS',
      methodologyCode: 'PURO-BIOCHAR',
      featured: false,
    });
    expect(
      data(await m.as(null, SupplierDetailsDocument, { id: 'de020000-0000-4000-8000-00000000ffff' })).supplier,
    ).toBeNull();
    const options = data(await m.as(null, SupplierOptionNamesDocument, {})).supplierOptions;
    expect(options.nodes.map((o) => o.name)).toEqual([
      'Icelandic Biochar',
      'Kenya Cookstoves Cooperative',
      'Nordic Forest Carbon',
    ]);
    const removal = data(await m.as(null, ProductOptionsOfTypeDocument, { type: 'REMOVAL' })).productOptions;
    // Options are not entities: their ids are the products' local ids.
    expect(removal.nodes).toEqual([
      { id: DEMO.products[1], name: 'Biochar Carbon Removal 2023' },
      { id: DEMO.products[0], name: 'Boreal Forest Restoration 2021' },
    ]);
    const desc = data(await m.as(null, LastProductOptionDocument, {})).productOptions;
    expect(desc).toEqual({ totalCount: 4, nodes: [{ name: 'Nordic Climate Portfolio' }] });
    // Alice also sees the allocation reserved for her.
    const own = data(await m.as('alice', ProductOptionsOfTypeDocument, { type: 'REMOVAL' })).productOptions;
    expect(own.totalCount).toBe(3);
  });

  it('lists traders by supplier and reads one', async () => {
    expect(ids(data(await m.as(null, TraderListDocument, {})).traders)).toEqual([TR[1], TR[0]]);
    const bySupplier = data(await m.as(null, TraderListDocument, { filter: { supplierId: S[0] } })).traders;
    expect(bySupplier.nodes).toEqual([{ id: TR[0], name: 'Baltic Carbon Brokers', supplier: { id: S[0] } }]);
    expect(data(await m.as(null, TraderDetailsDocument, { id: TR[1]! })).trader).toEqual({
      name: 'Reykjavik Removal Traders',
      countryCode: 'IS',
    });
  });

  it('lists impact partners and reads one', async () => {
    const list = data(await m.as(null, ImpactPartnersAscendingDocument, {})).impactPartners;
    expect(list.totalCount).toBe(2);
    expect(ids(list)).toEqual([IP[0], IP[1]]);
    expect(data(await m.as(null, ImpactPartnerDetailsDocument, { id: IP[1]! })).impactPartner).toEqual({
      name: 'Peatland Rewetting Fund',
      countryCode: 'SE',
    });
  });

  it('lists NFTs (all, available only, mintable) and reads one', async () => {
    expect(ids(data(await m.as(null, NftListDocument, {})).nfts)).toEqual([N[2], N[1], N[0]]);
    expect(ids(data(await m.as(null, NftListDocument, { filter: { availableOnly: true } })).nfts)).toEqual([
      N[2],
      N[0],
    ]);
    const mintable = data(await m.as(null, MintableNftTokensDocument, {})).mintableNfts;
    expect(mintable).toEqual({ totalCount: 1, nodes: [{ id: N[2], ...DEMO.tokens[2] }] });
    const nft = data(await m.as(null, NftDetailsDocument, { id: N[0]! })).nft;
    expect(nft).toEqual({
      name: 'Boreal Forest Credit #1',
      quantity: { amount: '100', unit: 'T' },
      availableQuantity: '60',
      supplier: { id: S[0] },
    });
  });

  it('lists bundle orders (available only) with their products; a non-public one only for an admin', async () => {
    const pub = data(await m.as(null, BundleOrderListDocument, {})).bundleOrders;
    expect(pub.nodes).toEqual([
      { id: B[1], isAvailable: false },
      { id: B[0], isAvailable: true },
    ]);
    expect(
      ids(data(await m.as(null, BundleOrderListDocument, { filter: { availableOnly: true } })).bundleOrders),
    ).toEqual([B[0]]);
    expect(
      ids(data(await m.as('admin', BundleOrderListDocument, { filter: { availableOnly: true } })).bundleOrders),
    ).toEqual([B[2], B[0]]);
    expect(data(await m.as('alice', BundleOrderIdOfDocument, { id: B[2]! })).bundleOrder).toBeNull();
    expect(data(await m.as('admin', BundleOrderIdOfDocument, { id: B[2]! })).bundleOrder).toEqual({ id: B[2] });
    const one = data(await m.as(null, BundleOrderDetailsDocument, { id: B[0]! })).bundleOrder;
    expect(one).toEqual({
      name: 'Nordic Portfolio 100 t',
      pricePerTonne: { amount: '60.00', currency: 'EUR' },
      quantity: { amount: '100' },
      availableQuantity: '40',
      product: { productType: 'BUNDLE' },
      supplier: { id: S[0] },
      productOrders: [
        { id: PO[0], quantity: { amount: '70', unit: 'T' }, product: { id: P[0] } },
        { id: PO[1], quantity: { amount: '30', unit: 'T' }, product: { id: P[1] } },
      ],
    });
  });

  it('lists product orders by bundle order and by product, and reads one', async () => {
    // The products of the non-public bundle order are for admins only.
    expect(data(await m.as(null, ProductOrderListDocument, {})).productOrders.totalCount).toBe(3);
    expect(data(await m.as('admin', ProductOrderListDocument, {})).productOrders.totalCount).toBe(4);
    expect(data(await m.as('alice', ProductOrderIdOfDocument, { id: PO[3]! })).productOrder).toBeNull();
    expect(data(await m.as('admin', ProductOrderIdOfDocument, { id: PO[3]! })).productOrder).toEqual({ id: PO[3] });
    expect(
      ids(
        data(await m.as(null, ProductOrderListDocument, { filter: { bundleOrderId: B[0] }, order: 'ASC' }))
          .productOrders,
      ),
    ).toEqual([PO[0], PO[1]]);
    expect(
      ids(data(await m.as(null, ProductOrderListDocument, { filter: { productId: P[0] } })).productOrders),
    ).toEqual([PO[2], PO[0]]);
    expect(data(await m.as(null, ProductOrderLinksDocument, { id: PO[2]! })).productOrder).toEqual({
      bundleOrder: { id: B[1] },
      product: { id: P[0] },
    });
  });

  it('rejects a page size above 100 on every list', async () => {
    for (const list of [
      'suppliers',
      'traders',
      'impactPartners',
      'nfts',
      'mintableNfts',
      'bundleOrders',
      'productOrders',
      'productOptions',
      'supplierOptions',
    ]) {
      expect(codes(await m.as(null, `{ ${list}(first: 101) { totalCount } }`))).toEqual(['BAD_USER_INPUT']);
    }
  });
});

describe('marketplace over the CO2Trust core API (upstream contract)', () => {
  let m: Marketplace;
  beforeAll(async () => {
    m = await startMarketplace('upstream');
  });
  afterAll(async () => {
    await m?.stop();
  });

  it('upstream: passes filters, page/size/order and the caller bearer token through; maps failures to codes', async () => {
    const fake = m.fake!;
    fake.resetCalls();
    const page = data(
      await m.as(null, SupplierPageDocument, { first: 2, order: 'ASC', filter: { featured: true } }),
    ).suppliers;
    await m.as(null, SupplierPageDocument, {
      first: 2,
      after: page.pageInfo.endCursor,
      order: 'ASC',
      filter: { featured: true, countryCode: 'SE', methodologyCode: 'ICR-AFOLU-001' },
    });
    const query = new URLSearchParams(fake.callsTo('/co2trust-services/v1/suppliers', 'GET').at(-1)!.query);
    expect(Object.fromEntries(query)).toEqual({
      page: '2',
      size: '2',
      order: 'asc',
      featured: 'true',
      country_code: 'SE',
      methodology_code: 'ICR-AFOLU-001',
    });
    await m.as(null, TraderListDocument, { filter: { supplierId: S[0] } });
    await m.as(null, BundleOrderListDocument, { filter: { availableOnly: true } });
    await m.as(null, NftListDocument, { filter: { availableOnly: true } });
    expect(new URLSearchParams(fake.callsTo('/co2trust-services/v1/traders').at(-1)!.query).get('supplier_id')).toBe(
      DEMO.suppliers[0],
    );
    expect(
      new URLSearchParams(fake.callsTo('/co2trust-services/v1/bundle-orders').at(-1)!.query).get('available_only'),
    ).toBe('true');
    // "List NFTs" documents `page`, `size`, `order` only (CO2Trust API, lines 79-82): the
    // availability filter is applied here and never sent; "Get User NFTs" documents it (line 98).
    const nftQuery = new URLSearchParams(fake.callsTo('/co2trust-services/v1/nfts').at(-1)!.query);
    expect([...nftQuery.keys()].sort()).toEqual(['order', 'page', 'size']);
    // "List Product Orders" documents `page`, `size`, `order` only (lines 191-194): the bundle and
    // product filters are applied here, over every page.
    await m.as(null, `{ productOrders(filter: { productId: "${DEMO.products[0]}" }) { totalCount } }`);
    for (const call of fake.callsTo('/co2trust-services/v1/product-orders'))
      expect([...new URLSearchParams(call.query).keys()].sort()).toEqual(['order', 'page', 'size']);
    await m.as('alice', MyAvailableNftsAndPurchasesDocument, {});
    expect(
      new URLSearchParams(fake.callsTo('/co2trust-services/v1/nfts/user').at(-1)!.query).get('available_only'),
    ).toBe('true');
    expect(fake.callsTo('/co2trust-services/v1/nfts/user').at(-1)!.headers.authorization).toBe(
      `Bearer co2t_${DEMO.users.alice.id}`,
    );
    expect(fake.callsTo('/co2trust-services/v1/orders/user/purchased').at(-1)!.headers.authorization).toBe(
      `Bearer co2t_${DEMO.users.alice.id}`,
    );
    fake.fail({ pathPrefix: '/co2trust-services/v1/impact-partners', status: 500, times: 10 });
    const failed = await m.as(null, ImpactPartnerTotalDocument, {});
    expect(codes(failed)).toEqual(['UPSTREAM_UNAVAILABLE']);
    expect(JSON.stringify(failed)).not.toContain('fake-co2trust-backend-secret');
  });
});
