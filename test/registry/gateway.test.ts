// The registry through the real gateway: NFTs of the marketplace carry their ICR credit and
// offset orders their retirements (entity references resolved by the registry), in both modes.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DEMO } from '../../demo/data.ts';
import { demoCredits } from '../../subgraphs/registry/local/seed.ts';
import { MODES, TEST_SECRETS } from '../support/env.ts';
import {
  NftCreditsDocument,
  OffsetOrderRetirementsDocument,
  OrganizationInventoryDocument,
  SignInDocument,
} from '../__generated__/operations.ts';
import { graphql, ok } from '../support/graphql.ts';
import { startStack, type Stack } from '../support/stack.ts';

const { users: U, offsetOrders: OO } = DEMO;

describe.each(MODES)('registry through the gateway (%s mode)', (mode) => {
  let stack: Stack;
  let alice = '';
  const url = () => stack.gateway.url;

  beforeAll(async () => {
    stack = await startStack(mode);
    const login = ok(
      await graphql(
        url(),
        SignInDocument,
        { email: U.alice.email },
        { headers: { 'x-backend-secret-key': TEST_SECRETS.BACKEND_SECRET_KEY } },
      ),
    );
    alice = login.authenticate.accessToken!;
  }, 60_000);
  afterAll(() => stack?.stop());

  it('Nft.credit: the demo NFTs resolve to the ICR credits of their tokens in one batch', async () => {
    const icr = stack.fakes.find((f) => f.name === 'icr-strict');
    icr?.resetCalls();
    const data = ok(await graphql(url(), NftCreditsDocument, {}, { token: alice }));
    const demo = data.nfts.nodes.filter((n) =>
      DEMO.tokens.some((t) => t.tokenAddress === n.tokenAddress && t.tokenId === n.tokenId),
    );
    expect(demo).toHaveLength(DEMO.tokens.length);
    for (const nft of demo) {
      const expected = demoCredits.find((c) => c.tokenAddress === nft.tokenAddress && c.tokenId === nft.tokenId)!;
      expect(nft.credit).toMatchObject({
        id: expected.id,
        registry: 'ICR',
        supply: { amount: expected.supplyTonnes.toString() },
      });
    }
    // The ICR has no token lookup: one inventory read per organization the registry knows, for the whole batch.
    if (icr)
      expect(icr.calls.map((c) => `${c.method} ${c.path.replace(/[^/]+\/inventory$/, '{id}/inventory')}`)).toEqual(
        Array(3).fill('GET /organizations/{id}/inventory'),
      );
  });

  // The demo offset order is the marketplace's own (local mode); upstream, offset orders are Lune's.
  (mode === 'local' ? it : it.skip)(
    "OffsetOrder.retirements: the caller's offset order lists its retirements (local mode only: the demo offset order is the marketplace's own; upstream, offset orders are Lune's)",
    async () => {
      const data = ok(await graphql(url(), OffsetOrderRetirementsDocument, { id: OO[0] }, { token: alice }));
      // What the marketplace sold: 10 t of the cookstoves project, retired from the offset inventory.
      expect(data.offsetOrder?.retirements).toEqual([
        { registry: 'ICR', amount: { amount: '10' }, offsetOrderId: OO[0] },
      ]);
    },
  );

  it("a member reads the organization's inventory through the gateway; to others it does not exist", async () => {
    const q = OrganizationInventoryDocument;
    const own = ok(await graphql(url(), q, { id: DEMO.organizations.carbonBuyer }, { token: alice }));
    expect(own.organization?.inventory.totalCount).toBe(2);
    const other = await graphql(url(), q, { id: DEMO.organizations.nordicForest }, { token: alice });
    expect([other.data, other.errors]).toEqual([{ organization: null }, undefined]);
  });
});
