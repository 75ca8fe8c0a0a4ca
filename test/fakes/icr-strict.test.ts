// Plain HTTP checks of the strict ICR fake against the ICR organization inventory API document:
// only the documented routes exist, headers the document does not have change nothing, and the
// ledger moves serial ranges without ever letting a balance go negative.
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import {
  FAKE_ICR_TOKEN,
  ICR_SEED,
  grantToken,
  icrLedgerTotals,
  startIcrFake,
  type IcrCreditRequest,
  type IcrFake,
} from '../../fakes/icr-strict.ts';

const { nordic, harbor, sharedCredit, exAnteCredit, developmentCredit } = ICR_SEED;
const INVENTORY_FIELDS = [
  'amount',
  'id',
  'organizationId',
  'project',
  'serialization',
  'supply',
  'tokenAddress',
  'tokenId',
  'type',
  'unit',
  'vintage',
];
const REQUEST_FIELDS = [
  'action',
  'amount',
  'beneficiaryName',
  'createdAt',
  'creditId',
  'fromOrganizationId',
  'id',
  'project',
  'retirementComment',
  'retirementId',
  'retirementReason',
  'serialization',
  'state',
  'toAddress',
  'toOrganizationId',
  'tokenAddress',
  'tokenId',
  'transactionData',
  'txId',
  'type',
  'updatedAt',
  'vintage',
];
const RETIREMENT = { reason: 'Retirement reason', beneficiaryName: 'John Doe', comment: 'This is a comment' };

interface InventoryCredit {
  id: string;
  organizationId: string;
  amount: number;
  supply: number;
  unit: string;
  serialization: string;
  type: string;
}
interface Reply<T> {
  status: number;
  body: T;
  text: string;
  contentType: string | null;
}

let icr: IcrFake;
beforeEach(async () => {
  icr = await startIcrFake();
});
afterEach(() => icr.stop());

async function call<T = Record<string, unknown>>(
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Reply<T>> {
  const res = await fetch(`${icr.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${FAKE_ICR_TOKEN}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = null;
  }
  return { status: res.status, body: parsed as T, text, contentType: res.headers.get('content-type') };
}

const inventory = (org: string, query = '') =>
  call<{ credits: InventoryCredit[]; organizationId: string }>('GET', `/organizations/${org}/inventory${query}`);
const held = async (org: string, creditId: string = sharedCredit) =>
  (await inventory(org)).body.credits.find((c) => c.id === creditId)?.amount ?? 0;
const transact = (org: string, action: string, body: unknown, headers: Record<string, string> = {}) =>
  call<IcrCreditRequest>('POST', `/organizations/${org}/inventory/action/${action}`, body, headers);
const requestMovement = (org: string, action: string, body: unknown) =>
  call<IcrCreditRequest>('POST', `/organizations/${org}/inventory/requests/${action}`, body);
const review = (org: string, requestId: string, state: unknown) =>
  call<{ id: string }>('POST', `/organizations/${org}/inventory/request/${requestId}/review`, { state });
const ledger = () => icrLedgerTotals(icr.state, sharedCredit);

/** issued = held + reserved + retired + cancelled and one holder per serial, for every credit. */
function expectLedgerInvariants() {
  for (const id of icr.state.credits.keys()) {
    const t = icrLedgerTotals(icr.state, id);
    expect(t.issued).toBe(t.held + t.reserved + t.retired + t.cancelled);
    expect(t.serialsUnique).toBe(true);
    expect(t.balancesMatch).toBe(true);
  }
}

describe('ICR strict fake: routes and headers', () => {
  it('answers anything the document does not have with a plain-text 404, with or without a token', async () => {
    const undocumented: [string, string][] = [
      ['GET', '/retirements'],
      ['GET', '/credits'],
      ['GET', '/projects/47abd663-fb35-4b2e-ad08-c347e761649e'],
      ['GET', `/organizations/${nordic.id}`],
      ['DELETE', `/organizations/${nordic.id}/inventory`],
      ['GET', `/organizations/${nordic.id}/inventory/action/retire`],
      ['POST', `/organizations/${nordic.id}/inventory/requests/some-request/review`],
    ];
    for (const [method, path] of undocumented) {
      for (const headers of [{}, { authorization: '' }] as Record<string, string>[]) {
        const res = await call(method, path, undefined, headers);
        expect([method, path, res.status, res.text]).toEqual([method, path, 404, `Cannot ${method} ${path}`]);
        expect(res.contentType).toMatch(/^text\/plain/);
      }
    }
    expect(Object.values(icr.state.effects)).toEqual([0, 0, 0, 0]);
  });

  it('needs the bearer access token; a token not granted the organization is 403', async () => {
    expect((await call('GET', `/organizations/${nordic.id}/inventory`, undefined, { authorization: '' })).status).toBe(
      401,
    );
    expect(
      (await call('GET', `/organizations/${nordic.id}/inventory`, undefined, { authorization: 'Bearer wrong' })).status,
    ).toBe(401);
    expect(
      (await call('GET', `/organizations/${nordic.id}/inventory`, undefined, { authorization: FAKE_ICR_TOKEN })).status,
    ).toBe(401);
    grantToken(icr.state, 'harbor-only', [harbor.id]);
    const harborOnly = { authorization: 'Bearer harbor-only' };
    expect((await call('GET', `/organizations/${harbor.id}/inventory`, undefined, harborOnly)).status).toBe(200);
    expect((await call('GET', `/organizations/${nordic.id}/inventory`, undefined, harborOnly)).status).toBe(403);
    const refused = await call(
      'POST',
      `/organizations/${nordic.id}/inventory/action/retire`,
      { creditId: sharedCredit, amount: 1, retirementData: RETIREMENT },
      harborOnly,
    );
    expect(refused.status).toBe(403);
    expect(icr.state.effects.retire).toBe(0);
    expect((await call('GET', '/organizations/unknown-org/inventory')).status).toBe(404);
  });

  it('serves x-icr-api-version 2023-06-16 (also by default) and refuses an unknown version', async () => {
    expect((await inventory(nordic.id)).status).toBe(200);
    expect(
      (await call('GET', `/organizations/${nordic.id}/inventory`, undefined, { 'x-icr-api-version': '2023-06-16' }))
        .status,
    ).toBe(200);
    const other = await call<{ message: string }>('GET', `/organizations/${nordic.id}/inventory`, undefined, {
      'x-icr-api-version': '2024-02-01',
    });
    expect(other.status).toBe(400);
    expect(other.body.message).toContain('2024-02-01');
  });
});

describe('ICR strict fake: inventory', () => {
  it("lists each organization's share of the shared credit with the document's fields", async () => {
    const a = await inventory(nordic.id);
    expect(a.status).toBe(200);
    expect(a.body.organizationId).toBe(nordic.id);
    const shared = a.body.credits.find((c) => c.id === sharedCredit)!;
    expect(Object.keys(shared).sort()).toEqual(INVENTORY_FIELDS);
    expect(shared).toMatchObject({
      organizationId: nordic.id,
      amount: 600,
      supply: 1000,
      unit: 'tonne',
      type: 'exPost',
      serialization: 'ICR-ISL-713-2020-78040-78639',
    });
    expect(a.body.credits.map((c) => c.id).sort()).toEqual([exAnteCredit, sharedCredit].sort());
    const b = await inventory(harbor.id);
    expect(b.body.credits).toEqual([
      expect.objectContaining({
        id: sharedCredit,
        organizationId: harbor.id,
        amount: 300,
        serialization: 'ICR-ISL-713-2020-78640-78939',
      }),
    ]);
  });

  it('returns the development inventory when `development` is defined, even empty', async () => {
    for (const query of ['?development=true', '?development=']) {
      const dev = await inventory(nordic.id, query);
      expect(dev.body.credits.map((c) => [c.id, c.amount])).toEqual([[developmentCredit, 25]]);
    }
    expect((await inventory(harbor.id, '?development=1')).body.credits).toEqual([]);
    expect((await inventory(nordic.id)).body.credits.map((c) => c.id)).not.toContain(developmentCredit);
    const undocumented = await inventory(nordic.id, '?onBehalfOf=someone');
    expect(undocumented.status).toBe(400);
  });
});

describe('ICR strict fake: transactions', () => {
  it('a retire sent twice retires twice: no idempotency or on-behalf-of header has any effect', async () => {
    const body = { creditId: sharedCredit, amount: 100, retirementData: RETIREMENT };
    const headers = { 'idempotency-key': 'same-key', 'x-icr-on-behalf-of': harbor.id };
    const first = await transact(nordic.id, 'retire', body, headers);
    const second = await transact(nordic.id, 'retire', body, headers);
    expect([first.status, second.status]).toEqual([200, 200]);
    expect(Object.keys(first.body).sort()).toEqual(REQUEST_FIELDS);
    expect(first.body.id).not.toBe(second.body.id);
    expect(first.body).toMatchObject({
      action: 'retire',
      state: 'processed',
      fromOrganizationId: nordic.id,
      toOrganizationId: null,
      creditId: sharedCredit,
      amount: 100,
      retirementId: '1',
      retirementReason: RETIREMENT.reason,
      retirementComment: RETIREMENT.comment,
      beneficiaryName: RETIREMENT.beneficiaryName,
      serialization: 'ICR-ISL-713-2020-78040-78139',
      transactionData: {
        creditId: sharedCredit,
        tokenId: '713',
        amount: 100,
        serialization: 'ICR-ISL-713-2020-78040-78139',
      },
    });
    expect(first.body.txId).toMatch(/^0x[0-9a-f]{64}$/);
    expect(second.body).toMatchObject({ retirementId: '2', serialization: 'ICR-ISL-713-2020-78140-78239' });
    expect(icr.state.effects.retire).toBe(2);
    expect(await held(nordic.id)).toBe(400);
    expect(await held(harbor.id)).toBe(300);
    expect(ledger()).toMatchObject({ retired: 200n, held: 800n });
    expectLedgerInvariants();
  });

  it('a retire whose answer is lost has still happened', async () => {
    icr.fail({ method: 'POST', pathPrefix: '/organizations', status: 0, afterEffect: true });
    await expect(
      transact(nordic.id, 'retire', { creditId: sharedCredit, amount: 10, retirementData: RETIREMENT }),
    ).rejects.toThrow();
    expect(icr.state.effects.retire).toBe(1);
    expect(await held(nordic.id)).toBe(590);
  });

  it('transfers split serial ranges and move quantities, by organization id, by address and to an outside wallet', async () => {
    const byId = await transact(nordic.id, 'transfer', {
      creditId: sharedCredit,
      amount: 100,
      toOrganizationId: harbor.id,
    });
    expect(byId.body).toMatchObject({
      state: 'processed',
      toOrganizationId: harbor.id,
      toAddress: harbor.address,
      serialization: 'ICR-ISL-713-2020-78040-78139',
      retirementId: null,
    });
    const [a, b] = [(await inventory(nordic.id)).body.credits, (await inventory(harbor.id)).body.credits];
    expect(a.find((c) => c.id === sharedCredit)).toMatchObject({
      amount: 500,
      serialization: 'ICR-ISL-713-2020-78140-78639',
    });
    expect(b.find((c) => c.id === sharedCredit)).toMatchObject({
      amount: 400,
      serialization: 'ICR-ISL-713-2020-78040-78139, ICR-ISL-713-2020-78640-78939',
    });

    const byAddress = await transact(harbor.id, 'transfer', {
      creditId: sharedCredit,
      amount: 150,
      toAddress: nordic.address.toUpperCase().replace('0X', '0x'),
    });
    expect(byAddress.body).toMatchObject({
      toOrganizationId: nordic.id,
      serialization: 'ICR-ISL-713-2020-78040-78139, ICR-ISL-713-2020-78640-78689',
    });
    expect([await held(nordic.id), await held(harbor.id)]).toEqual([650, 250]);

    const outside = await transact(nordic.id, 'transfer', {
      creditId: sharedCredit,
      amount: 50,
      toAddress: '0xabc123',
    });
    expect(outside.body).toMatchObject({ toOrganizationId: null, toAddress: '0xabc123' });
    expect([await held(nordic.id), await held(harbor.id)]).toEqual([600, 250]);
    expect(ledger()).toMatchObject({ issued: 1000n, held: 1000n, retired: 0n });
    expect(icr.state.effects.transfer).toBe(3);
    expectLedgerInvariants();
  });

  it("transfer_retire retires in the receiver's name; cancel cancels", async () => {
    const tr = await transact(nordic.id, 'transfer_retire', {
      creditId: sharedCredit,
      amount: 10,
      toOrganizationId: harbor.id,
      toAddress: harbor.address,
      retirementData: { reason: 'offset' },
    });
    expect(tr.body).toMatchObject({
      action: 'transfer_retire',
      state: 'processed',
      toOrganizationId: harbor.id,
      retirementId: '1',
      retirementReason: 'offset',
      beneficiaryName: null,
    });
    const cancel = await transact(nordic.id, 'cancel', { creditId: exAnteCredit, amount: 5 });
    expect(cancel.body).toMatchObject({ action: 'cancel', type: 'exAnte', state: 'processed', retirementId: null });
    expect([await held(nordic.id), await held(harbor.id), await held(nordic.id, exAnteCredit)]).toEqual([590, 300, 45]);
    expect(ledger()).toMatchObject({ retired: 10n, held: 990n });
    expect(icrLedgerTotals(icr.state, exAnteCredit)).toMatchObject({ cancelled: 5n, held: 45n });
    expect(icr.state.effects).toEqual({ transfer: 0, retire: 0, transfer_retire: 1, cancel: 1 });
    expectLedgerInvariants();
  });

  it('never lets a balance go negative: an overdraft is a 422 that changes nothing, and concurrent retirements stop at zero', async () => {
    const before = ledger();
    const overdraft = await transact(nordic.id, 'retire', {
      creditId: sharedCredit,
      amount: 601,
      retirementData: RETIREMENT,
    });
    expect(overdraft.status).toBe(422);
    expect(overdraft.text).toContain('Insufficient balance');
    expect(ledger()).toEqual(before);
    expect(icr.state.requests).toHaveLength(0);

    const results = await Promise.all(
      Array.from({ length: 10 }, () =>
        transact(nordic.id, 'retire', { creditId: sharedCredit, amount: 100, retirementData: RETIREMENT }),
      ),
    );
    expect(results.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 200, 200, 422, 422, 422, 422]);
    expect(await held(nordic.id)).toBe(0);
    expect((await inventory(nordic.id)).body.credits.map((c) => c.id)).toEqual([exAnteCredit]);
    expect(ledger()).toMatchObject({ retired: 600n, held: 400n });
    expect(icr.state.effects.retire).toBe(6);
    expect(
      (await transact(nordic.id, 'transfer', { creditId: sharedCredit, amount: 1, toOrganizationId: harbor.id }))
        .status,
    ).toBe(422);
    expectLedgerInvariants();
  });

  it('refuses a malformed transaction with a 400 (415 for a non-JSON body) and changes nothing', async () => {
    const ok = { creditId: sharedCredit, amount: 10, retirementData: RETIREMENT };
    const cases: [string, unknown, number][] = [
      ['burn', ok, 400],
      ['retire', { ...ok, amount: 0 }, 400],
      ['retire', { ...ok, amount: -1 }, 400],
      ['retire', { ...ok, amount: 1.5 }, 400],
      ['retire', { ...ok, amount: '10' }, 400],
      ['retire', { amount: 10, retirementData: RETIREMENT }, 400],
      ['retire', { creditId: sharedCredit, amount: 10 }, 400],
      ['retire', { ...ok, offsetOrderId: 'o-1' }, 400],
      ['retire', { ...ok, retirementData: { ...RETIREMENT, onBehalfOf: 'x' } }, 400],
      ['retire', { ...ok, retirementData: { reason: 7 } }, 400],
      ['transfer', { creditId: sharedCredit, amount: 10 }, 400],
      ['transfer', { creditId: sharedCredit, amount: 10, toAddress: 'not-an-address' }, 400],
      ['retire', '{"creditId":', 400],
      ['retire', [ok], 400],
    ];
    for (const [action, body, status] of cases) {
      const res = await transact(nordic.id, action, body);
      expect([action, body, res.status]).toEqual([action, body, status]);
      expect(typeof (res.body as unknown as { message: string }).message).toBe('string');
    }
    const notJson = await call('POST', `/organizations/${nordic.id}/inventory/action/retire`, JSON.stringify(ok), {
      'content-type': 'text/plain',
    });
    expect(notJson.status).toBe(415);
    expect((await call('POST', `/organizations/${nordic.id}/inventory/action/retire?dryRun=1`, ok)).status).toBe(400);
    expect(icr.state.requests).toHaveLength(0);
    expect(ledger()).toMatchObject({ held: 1000n, retired: 0n });
  });

  it('refuses what the ledger cannot do with a 422', async () => {
    const cases: unknown[] = [
      { creditId: 'exPost-0-0x0', amount: 1, toOrganizationId: harbor.id },
      { creditId: developmentCredit, amount: 1, toOrganizationId: harbor.id },
      { creditId: sharedCredit, amount: 1, toOrganizationId: 'unknown-org' },
      { creditId: sharedCredit, amount: 1, toOrganizationId: harbor.id, toAddress: nordic.address },
      { creditId: sharedCredit, amount: 1, toOrganizationId: nordic.id },
      { creditId: sharedCredit, amount: 1, toAddress: nordic.address },
    ];
    for (const body of cases) expect([body, (await transact(nordic.id, 'transfer', body)).status]).toEqual([body, 422]);
    expect(Object.values(icr.state.effects)).toEqual([0, 0, 0, 0]);
  });
});

describe('ICR strict fake: credit requests', () => {
  it('lists the requests page by page (limit and page required, page zero-based, newest first) and gets one by id', async () => {
    for (const amount of [1, 2, 3])
      await transact(nordic.id, 'retire', { creditId: sharedCredit, amount, retirementData: RETIREMENT });
    type Page = { pagination: Record<string, number | null>; creditRequests: IcrCreditRequest[] };
    const first = await call<Page>('GET', `/organizations/${nordic.id}/inventory/requests?limit=2&page=0`);
    expect(first.body.pagination).toEqual({ total: 3, currentPage: 0, pageCount: 2, nextPage: 1, prevPage: null });
    expect(first.body.creditRequests.map((r) => r.amount)).toEqual([3, 2]);
    const second = await call<Page>('GET', `/organizations/${nordic.id}/inventory/requests?limit=2&page=1`);
    expect(second.body.pagination).toEqual({ total: 3, currentPage: 1, pageCount: 2, nextPage: null, prevPage: 0 });
    expect(second.body.creditRequests.map((r) => r.amount)).toEqual([1]);
    expect(
      (await call<Page>('GET', `/organizations/${harbor.id}/inventory/requests?limit=10&page=0`)).body.pagination.total,
    ).toBe(0);
    for (const query of [
      '',
      '?limit=2',
      '?page=0',
      '?limit=0&page=0',
      '?limit=101&page=0',
      '?limit=2&page=-1',
      '?limit=2&page=0&state=processed',
    ]) {
      expect([query, (await call('GET', `/organizations/${nordic.id}/inventory/requests${query}`)).status]).toEqual([
        query,
        400,
      ]);
    }

    const one = first.body.creditRequests[0]!;
    const got = await call<IcrCreditRequest>('GET', `/organizations/${nordic.id}/inventory/requests/${one.id}`);
    expect(got.body).toEqual(one);
    expect((await call('GET', `/organizations/${harbor.id}/inventory/requests/${one.id}`)).status).toBe(404);
    expect((await call('GET', `/organizations/${nordic.id}/inventory/requests/no-such-request`)).status).toBe(404);
  });

  it('a movement request reserves its serials until reviewed: Accepted processes it, Rejected releases them', async () => {
    const retire = await requestMovement(nordic.id, 'retire', {
      creditId: sharedCredit,
      amount: 100,
      retirementData: RETIREMENT,
    });
    expect(retire.status).toBe(200);
    expect(Object.keys(retire.body).sort()).toEqual(REQUEST_FIELDS);
    expect(retire.body).toMatchObject({
      state: 'pending',
      txId: null,
      transactionData: null,
      retirementId: null,
      beneficiaryName: RETIREMENT.beneficiaryName,
    });
    expect(await held(nordic.id)).toBe(500);
    expect(ledger()).toMatchObject({ reserved: 100n, retired: 0n });
    expect(icr.state.effects.retire).toBe(0);
    expect(
      (await transact(nordic.id, 'retire', { creditId: sharedCredit, amount: 501, retirementData: RETIREMENT })).status,
    ).toBe(422);

    const accepted = await review(nordic.id, retire.body.id, 'Accepted');
    expect(accepted).toMatchObject({ status: 200, body: { id: retire.body.id } });
    const processed = await call<IcrCreditRequest>(
      'GET',
      `/organizations/${nordic.id}/inventory/requests/${retire.body.id}`,
    );
    expect(processed.body).toMatchObject({ state: 'processed', retirementId: '1', transactionData: { amount: 100 } });
    expect(processed.body.txId).toMatch(/^0x/);
    expect(ledger()).toMatchObject({ reserved: 0n, retired: 100n });
    expect(icr.state.effects.retire).toBe(1);

    const transfer = await requestMovement(nordic.id, 'transfer', {
      creditId: sharedCredit,
      amount: 50,
      toOrganizationId: harbor.id,
    });
    expect(await held(nordic.id)).toBe(450);
    expect((await review(harbor.id, transfer.body.id, 'Accepted')).status).toBe(404);
    expect((await review(nordic.id, transfer.body.id, 'accepted')).status).toBe(400);
    expect((await review(nordic.id, transfer.body.id, 'Rejected')).status).toBe(200);
    expect([await held(nordic.id), await held(harbor.id)]).toEqual([500, 300]);
    expect(
      (await call<IcrCreditRequest>('GET', `/organizations/${nordic.id}/inventory/requests/${transfer.body.id}`)).body
        .state,
    ).toBe('rejected');
    expect((await review(nordic.id, transfer.body.id, 'Accepted')).status).toBe(409);
    expect((await review(nordic.id, retire.body.id, 'Accepted')).status).toBe(409);
    expect(icr.state.effects).toEqual({ transfer: 0, retire: 1, transfer_retire: 0, cancel: 0 });
    expect((await review(nordic.id, 'no-such-request', 'Accepted')).status).toBe(404);
    expectLedgerInvariants();
  });

  it('an accepted transfer request moves the serials to the receiver', async () => {
    const transfer = await requestMovement(nordic.id, 'transfer', {
      creditId: sharedCredit,
      amount: 40,
      toAddress: harbor.address,
    });
    expect(transfer.body).toMatchObject({ state: 'pending', toOrganizationId: harbor.id });
    expect((await review(nordic.id, transfer.body.id, 'Accepted')).status).toBe(200);
    expect([await held(nordic.id), await held(harbor.id)]).toEqual([560, 340]);
    expect(icr.state.effects.transfer).toBe(1);
    expectLedgerInvariants();
  });
});
