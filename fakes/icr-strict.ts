// Strict contract fake of the International Carbon Registry (ICR) organization inventory API,
// written from ../shared/seeds/001_e64f4de24ea2d133.txt alone (line numbers below are that file's).
//
// Routes (nothing else exists: any other path or method is a plain-text 404 `Cannot GET /path`):
//   GET  /organizations/{id}/inventory                          lines 3-53: `id` (10), query
//        `development` (12-14: "if defined", so any value, even empty, selects it), answer 30-53
//   GET  /organizations/{id}/inventory/requests                 lines 55-136: `limit` (62-66) and
//        `page` (67-71) both required, `id` (72-76), answer `{ pagination, creditRequests }` 91-136
//   GET  /organizations/{id}/inventory/requests/{requestId}     lines 138-195
//   POST /organizations/{id}/inventory/action/{action}          lines 197-301: `action` one of
//        transfer, retire, transfer_retire, cancel (204-208), body 220-243 (example 255-265),
//        answer: one credit request 267-301
//   POST /organizations/{id}/inventory/requests/{action}        lines 303-407 (same body and answer)
//   POST /organizations/{id}/inventory/request/{requestId}/review  lines 409-442 (`request`
//        singular, 430): body `{ state }` 424-438, answer `{ id }` 440-442
//   Every route: header `x-icr-api-version`, optional, default `2023-06-16` (17-21 and each route).
//   Field names of credits (33-49), credit requests (101-133), pagination (92-97) as written there.
//
// Assumptions where the document is silent (each one a choice of this fake, not of the document):
// - Auth: the seed shows none; the provider's public documentation
//   (documentation.carbonregistry.com, api/endpoints/organizations) sends `Authorization: Bearer
//   <access token>`. No or an unknown token is 401; a token not granted the organization is 403.
// - `x-icr-api-version`: only the documented `2023-06-16` is known (`state.apiVersions` adds
//   more); any other value is 400.
// - `limit` and `page` are listed as "Path parameters" but are not in the path: they are query
//   parameters. `page` is zero-based (its example is 0; the example pagination is consistent with
//   it); `limit` is 1..100; `prevPage`/`nextPage` are null at the ends; newest request first.
// - Validation is a whitelist, as a generated server's would be: an undocumented query parameter or
//   body field is 400 (so a client that sends one is caught); unknown headers are ignored (no
//   on-behalf-of, no idempotency header: a repeated POST repeats its effect).
// - POST bodies must be JSON (415 otherwise, 400 when unparseable). `amount` is a whole number of
//   tonnes > 0 (one serial per tonne); `toAddress` is a 0x hex address.
// - A destination (`toOrganizationId` or `toAddress`, 231-240) is required for transfer and
//   transfer_retire and ignored for retire and cancel; `retirementData` `{ reason,
//   beneficiaryName, comment }` (all optional strings, 260-264) is required for retire and
//   transfer_retire (241-243). Both destination fields given must name the same organization; an
//   address of no organization is an outside wallet (the credits leave every inventory).
// - Business refusals are 422 `{ message }`: unknown or development credit, unknown receiving
//   organization, transfer to oneself, and a balance that would go negative. Unknown organization
//   or request is 404; reviewing a request that is no longer pending is 409.
// - Transactions are processed at once (state `processed`, 123). A movement request is `pending`:
//   it reserves its serials (they leave `amount`) until reviewed; `Accepted` (437) processes it,
//   `Rejected` releases them (state `rejected`). Only the requesting organization reviews it.
// - The inventory lists one entry per credit the organization holds (`amount` > 0, reserved serials
//   excluded); `serialization` is its held serial ranges `<prefix>-<first>-<last>`, comma-joined.
//   The development inventory is a separate set of credits; the transact and request routes have
//   no development switch, so they move production credits only.
// - A credit request lists the requests the organization made (`fromOrganizationId`); its
//   `serialization` and `transactionData` (null while pending) name the moved serial ranges;
//   `retirementId` is a sequence number given when a retirement is processed.
import { randomBytes, randomUUID } from 'node:crypto';
import {
  json,
  problem,
  startFake,
  type FakeReply,
  type FakeRequest,
  type FakeRoute,
  type RunningFake,
} from './harness.ts';

export const FAKE_ICR_TOKEN = 'fake-icr-strict-access-token';
export const ICR_DEFAULT_VERSION = '2023-06-16';
export const ICR_ACTIONS = ['transfer', 'retire', 'transfer_retire', 'cancel'] as const;
export type IcrAction = (typeof ICR_ACTIONS)[number];

export interface IcrProject {
  id: string;
  fullName: string;
  url: string;
  publicUrl: string;
  num: string;
}

export interface IcrOrganization {
  id: string;
  /** The organization's public address, a destination for `toAddress`. */
  address: string;
}

export interface IcrCredit {
  id: string;
  tokenId: string;
  tokenAddress: string;
  project: IcrProject;
  serialPrefix: string;
  vintage: string;
  supply: number;
  type: 'exAnte' | 'exPost';
  serialFirst: bigint;
  development: boolean;
}

type BlockStatus = 'held' | 'reserved' | 'retired' | 'cancelled';

/** A serial range of one credit with one holder: an organization or an outside address. */
interface Block {
  creditId: string;
  start: bigint;
  end: bigint;
  status: BlockStatus;
  organizationId: string | null;
  address: string | null;
  requestId: string | null;
}

export interface IcrCreditRequest {
  action: IcrAction;
  type: IcrCredit['type'];
  id: string;
  toAddress: string | null;
  createdAt: string;
  updatedAt: string;
  tokenId: string;
  tokenAddress: string;
  creditId: string;
  serialization: string;
  vintage: string;
  amount: number;
  fromOrganizationId: string;
  toOrganizationId: string | null;
  project: IcrProject;
  txId: string | null;
  state: 'pending' | 'processed' | 'rejected';
  transactionData: { creditId: string; tokenId: string; amount: number; serialization: string } | null;
  retirementId: string | null;
  retirementReason: string | null;
  retirementComment: string | null;
  beneficiaryName: string | null;
}

export function icrState() {
  return {
    organizations: new Map<string, IcrOrganization>(),
    credits: new Map<string, IcrCredit>(),
    blocks: [] as Block[],
    requests: [] as IcrCreditRequest[],
    /** Access token → the organizations it may act for (`all`: every one). */
    tokens: new Map<string, 'all' | Set<string>>([[FAKE_ICR_TOKEN, 'all']]),
    apiVersions: new Set([ICR_DEFAULT_VERSION]),
    /** How many times each action really took effect (processed transactions and accepted requests). */
    effects: { transfer: 0, retire: 0, transfer_retire: 0, cancel: 0 } as Record<IcrAction, number>,
    retirementSequence: 0,
  };
}
export type IcrState = ReturnType<typeof icrState>;

export function seedOrganization(state: IcrState, org: Partial<IcrOrganization> = {}): IcrOrganization {
  const made = { id: org.id ?? randomUUID(), address: org.address ?? `0x${randomBytes(20).toString('hex')}` };
  state.organizations.set(made.id, made);
  return made;
}

export interface CreditSeed {
  tokenId: string;
  tokenAddress: string;
  type?: IcrCredit['type'];
  project: IcrProject;
  vintage: string;
  /** Serials held, in order from `serialFirst`: by an organization or by an outside address. */
  holdings: ({ organizationId: string; amount: number } | { address: string; amount: number })[];
  serialFirst?: bigint;
  serialPrefix?: string;
  development?: boolean;
}

/** Issues a credit whose supply is the sum of its holdings, in contiguous serial ranges. */
export function seedCredit(state: IcrState, seed: CreditSeed): IcrCredit {
  const type = seed.type ?? 'exPost';
  const credit: IcrCredit = {
    id: `${type}-${seed.tokenId}-${seed.tokenAddress}`,
    tokenId: seed.tokenId,
    tokenAddress: seed.tokenAddress,
    project: seed.project,
    serialPrefix: seed.serialPrefix ?? `ICR-ISL-${seed.project.num}-${seed.vintage}`,
    vintage: seed.vintage,
    supply: seed.holdings.reduce((t, h) => t + h.amount, 0),
    type,
    serialFirst: seed.serialFirst ?? 1n,
    development: seed.development ?? false,
  };
  state.credits.set(credit.id, credit);
  let next = credit.serialFirst;
  for (const h of seed.holdings) {
    const end = next + BigInt(h.amount) - 1n;
    const holder =
      'organizationId' in h
        ? { organizationId: h.organizationId, address: null }
        : { organizationId: null, address: h.address };
    state.blocks.push({ creditId: credit.id, start: next, end, status: 'held', ...holder, requestId: null });
    next = end + 1n;
  }
  return credit;
}

/** Gives a token access to some organizations only. */
export function grantToken(state: IcrState, token: string, organizationIds: string[]) {
  state.tokens.set(token, new Set(organizationIds));
}

const project = (num: string, id: string): IcrProject => ({
  id,
  fullName: `Project ${num}`,
  url: `https://api.carbonregistry.com/projects/${id}`,
  publicUrl: `https://carbonregistry.com/explore/projects/${id}`,
  num,
});

/** The default seed: two organizations sharing one credit (600 t and 300 t of 1000 issued). */
export const ICR_SEED = {
  nordic: { id: '5b0f3c1e-8d2a-4c6e-9f10-2a7d4e8b1c01', address: '0x5b0f3c1e8d2a4c6e9f102a7d4e8b1c0100000001' },
  harbor: { id: '9c4e2d7a-1b3f-4e58-a6c2-7d9e0f1a2b02', address: '0x9c4e2d7a1b3f4e58a6c27d9e0f1a2b0200000002' },
  outsideWallet: '0x00000000000000000000000000000000000d0e10',
  sharedCredit: 'exPost-713-0x1234567890abcdef',
  exAnteCredit: 'exAnte-714-0xfedcba0987654321',
  developmentCredit: 'exPost-9001-0x0de0de0de0de0de0',
} as const;

export function seedIcrDemo(state: IcrState) {
  const { nordic, harbor } = ICR_SEED;
  seedOrganization(state, nordic);
  seedOrganization(state, harbor);
  const p713 = project('713', '47abd663-fb35-4b2e-ad08-c347e761649e');
  const p714 = project('714', '0b6a39c4-5d2e-4f71-8a93-c1e2d3f4a5b6');
  seedCredit(state, {
    tokenId: '713',
    tokenAddress: '0x1234567890abcdef',
    project: p713,
    vintage: '2020',
    serialFirst: 78040n,
    holdings: [
      { organizationId: nordic.id, amount: 600 },
      { organizationId: harbor.id, amount: 300 },
      { address: ICR_SEED.outsideWallet, amount: 100 },
    ],
  });
  seedCredit(state, {
    tokenId: '714',
    tokenAddress: '0xfedcba0987654321',
    type: 'exAnte',
    project: p714,
    vintage: '2024',
    holdings: [{ organizationId: nordic.id, amount: 50 }],
  });
  seedCredit(state, {
    tokenId: '9001',
    tokenAddress: '0x0de0de0de0de0de0',
    project: p714,
    vintage: '2024',
    development: true,
    holdings: [{ organizationId: nordic.id, amount: 25 }],
  });
}

const size = (b: Block) => b.end - b.start + 1n;
const byStart = (a: Block, b: Block) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0);

/** The ledger of one credit: issued = held + reserved + retired + cancelled, one holder per serial. */
export function icrLedgerTotals(state: IcrState, creditId: string) {
  const credit = state.credits.get(creditId)!;
  const blocks = state.blocks.filter((b) => b.creditId === creditId).sort(byStart);
  const sum = (s: BlockStatus) => blocks.filter((b) => b.status === s).reduce((t, b) => t + size(b), 0n);
  let next = credit.serialFirst;
  let contiguous = true;
  for (const b of blocks) {
    if (b.start !== next) contiguous = false;
    next = b.end + 1n;
  }
  return {
    issued: BigInt(credit.supply),
    held: sum('held'),
    reserved: sum('reserved'),
    retired: sum('retired'),
    cancelled: sum('cancelled'),
    serialsUnique: contiguous && next === credit.serialFirst + BigInt(credit.supply),
    balancesMatch: blocks.every((b) => size(b) > 0n && (b.organizationId === null) !== (b.address === null)),
  };
}

/** Serial ranges as `<prefix>-<first>-<last>`, adjacent ranges merged, comma-joined. */
function serializationOf(credit: IcrCredit, blocks: Block[]) {
  const merged: { start: bigint; end: bigint }[] = [];
  for (const b of [...blocks].sort(byStart)) {
    const last = merged.at(-1);
    if (last && last.end + 1n === b.start) last.end = b.end;
    else merged.push({ start: b.start, end: b.end });
  }
  return merged.map((r) => `${credit.serialPrefix}-${r.start}-${r.end}`).join(', ');
}

const heldBlocks = (state: IcrState, organizationId: string, creditId: string) =>
  state.blocks
    .filter((b) => b.creditId === creditId && b.organizationId === organizationId && b.status === 'held')
    .sort(byStart);

/** Detaches the first `amount` held serials of an organization into blocks of their own. */
function carve(state: IcrState, organizationId: string, creditId: string, amount: bigint): Block[] {
  const taken: Block[] = [];
  let left = amount;
  for (const b of heldBlocks(state, organizationId, creditId)) {
    if (left === 0n) break;
    if (size(b) <= left) {
      taken.push(b);
      left -= size(b);
      continue;
    }
    const piece: Block = { ...b, end: b.start + left - 1n };
    b.start = piece.end + 1n;
    state.blocks.push(piece);
    taken.push(piece);
    left = 0n;
  }
  return taken;
}

interface Receiver {
  organizationId: string | null;
  address: string;
}

interface Movement {
  action: IcrAction;
  credit: IcrCredit;
  amount: number;
  receiver: Receiver | null;
  retirement: { reason: string | null; beneficiaryName: string | null; comment: string | null } | null;
}

/** What an action does to serials already carved out of the sender's inventory. */
function settle(blocks: Block[], action: IcrAction, receiver: Receiver | null) {
  for (const b of blocks) {
    if (action === 'transfer' || action === 'transfer_retire') {
      b.organizationId = receiver!.organizationId;
      b.address = receiver!.organizationId ? null : receiver!.address;
    }
    b.status = action === 'transfer' ? 'held' : action === 'cancel' ? 'cancelled' : 'retired';
  }
}

const BODY_FIELDS = new Set(['creditId', 'amount', 'toOrganizationId', 'toAddress', 'retirementData']);
const RETIREMENT_FIELDS = new Set(['reason', 'beneficiaryName', 'comment']);
const ADDRESS = /^0x[0-9a-fA-F]+$/;

/** A refused request: the handler stops and the server answers `reply`. */
class Refusal extends Error {
  readonly reply: FakeReply;
  constructor(reply: FakeReply) {
    super(String(reply.status));
    this.reply = reply;
  }
}
function refuse(status: number, message: string): never {
  throw new Refusal(problem(status, message));
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The JSON object of a POST with only the documented fields. */
function bodyOf(req: FakeRequest, fields: Set<string>): Record<string, unknown> {
  if (!String(req.headers['content-type'] ?? '').includes('application/json'))
    return refuse(415, 'Content-Type must be application/json');
  if (!isObject(req.body)) return refuse(400, 'The body must be a JSON object');
  const unknown = Object.keys(req.body).find((k) => !fields.has(k));
  if (unknown) return refuse(400, `property ${unknown} should not exist`);
  return req.body;
}

/** Refuses a query parameter the route does not document. */
function onlyQuery(req: FakeRequest, allowed: string[]) {
  const extra = [...req.query.keys()].find((k) => !allowed.includes(k));
  if (extra) refuse(400, `property ${extra} should not exist`);
}

/** Reads and checks the body of a transaction or movement request (lines 220-243). */
function movementOf(state: IcrState, organization: IcrOrganization, action: string, req: FakeRequest): Movement {
  onlyQuery(req, []);
  if (!(ICR_ACTIONS as readonly string[]).includes(action))
    return refuse(400, `action must be one of ${ICR_ACTIONS.join(', ')}`);
  const body = bodyOf(req, BODY_FIELDS);
  const { creditId, amount, toOrganizationId, toAddress, retirementData } = body;
  if (typeof creditId !== 'string' || !creditId) return refuse(400, 'creditId must be a non-empty string');
  if (typeof amount !== 'number' || !Number.isSafeInteger(amount) || amount <= 0)
    return refuse(400, 'amount must be a whole number greater than 0');
  if (toOrganizationId !== undefined && (typeof toOrganizationId !== 'string' || !toOrganizationId))
    return refuse(400, 'toOrganizationId must be a non-empty string');
  if (toAddress !== undefined && (typeof toAddress !== 'string' || !ADDRESS.test(toAddress)))
    return refuse(400, 'toAddress must be a 0x hex address');
  const moves = action === 'transfer' || action === 'transfer_retire';
  const retires = action === 'retire' || action === 'transfer_retire';
  if (moves && toOrganizationId === undefined && toAddress === undefined)
    return refuse(400, 'toOrganizationId or toAddress must be provided');
  if (retirementData !== undefined) {
    if (!isObject(retirementData)) return refuse(400, 'retirementData must be an object');
    const bad = Object.entries(retirementData).find(([k, v]) => !RETIREMENT_FIELDS.has(k) || typeof v !== 'string');
    if (bad)
      return refuse(
        400,
        RETIREMENT_FIELDS.has(bad[0])
          ? `retirementData.${bad[0]} must be a string`
          : `property retirementData.${bad[0]} should not exist`,
      );
  } else if (retires) {
    return refuse(400, 'retirementData is required for retirements');
  }

  const credit = state.credits.get(creditId);
  if (!credit || credit.development) return refuse(422, `Credit ${creditId} not found in the inventory`);
  let receiver: Receiver | null = null;
  if (moves) {
    const byId = typeof toOrganizationId === 'string' ? state.organizations.get(toOrganizationId) : undefined;
    if (typeof toOrganizationId === 'string' && !byId) return refuse(422, `Organization ${toOrganizationId} not found`);
    const address = typeof toAddress === 'string' ? toAddress : undefined;
    if (byId && address && byId.address.toLowerCase() !== address.toLowerCase())
      return refuse(422, 'toAddress is not the address of toOrganizationId');
    const target =
      byId ?? [...state.organizations.values()].find((o) => o.address.toLowerCase() === address!.toLowerCase());
    if (target?.id === organization.id) return refuse(422, 'Cannot transfer credits to the same organization');
    receiver = target
      ? { organizationId: target.id, address: target.address }
      : { organizationId: null, address: address! };
  }
  const held = heldBlocks(state, organization.id, credit.id).reduce((t, b) => t + size(b), 0n);
  if (held < BigInt(amount)) return refuse(422, `Insufficient balance: ${held} held, ${amount} requested`);
  const text = (k: string) =>
    isObject(retirementData) && typeof retirementData[k] === 'string' ? (retirementData[k] as string) : null;
  const retirement = retires
    ? { reason: text('reason'), beneficiaryName: text('beneficiaryName'), comment: text('comment') }
    : null;
  return { action: action as IcrAction, credit, amount, receiver, retirement };
}

/** Marks a request processed: its effect is counted, a retirement gets its number. */
function processRequest(
  state: IcrState,
  request: IcrCreditRequest,
  blocks: Block[],
  movement: Pick<Movement, 'action' | 'credit' | 'receiver'>,
) {
  settle(blocks, movement.action, movement.receiver);
  state.effects[movement.action]++;
  const serialization = serializationOf(movement.credit, blocks);
  Object.assign(request, {
    state: 'processed',
    txId: `0x${randomBytes(32).toString('hex')}`,
    updatedAt: new Date().toISOString(),
    serialization,
    transactionData: {
      creditId: movement.credit.id,
      tokenId: movement.credit.tokenId,
      amount: request.amount,
      serialization,
    },
    retirementId:
      movement.action === 'retire' || movement.action === 'transfer_retire' ? String(++state.retirementSequence) : null,
  });
}

/** A new credit request (lines 267-301) for a movement whose serials are already carved out. */
function creditRequestOf(organization: IcrOrganization, m: Movement, blocks: Block[]): IcrCreditRequest {
  const now = new Date().toISOString();
  return {
    action: m.action,
    type: m.credit.type,
    id: randomUUID(),
    toAddress: m.receiver?.address ?? null,
    createdAt: now,
    updatedAt: now,
    tokenId: m.credit.tokenId,
    tokenAddress: m.credit.tokenAddress,
    creditId: m.credit.id,
    serialization: serializationOf(m.credit, blocks),
    vintage: m.credit.vintage,
    amount: m.amount,
    fromOrganizationId: organization.id,
    toOrganizationId: m.receiver?.organizationId ?? null,
    project: m.credit.project,
    txId: null,
    state: 'pending',
    transactionData: null,
    retirementId: null,
    retirementReason: m.retirement?.reason ?? null,
    retirementComment: m.retirement?.comment ?? null,
    beneficiaryName: m.retirement?.beneficiaryName ?? null,
  };
}

const ORG = '/organizations/{id}/inventory';
const tokenOf = (req: FakeRequest) => /^Bearer (\S+)$/.exec(String(req.headers.authorization ?? ''))?.[1];

export interface IcrFake extends RunningFake {
  state: IcrState;
  /** What a registry needs to call this fake. */
  env: Record<string, string>;
}

/** Starts the fake on a free loopback port, with the default seed unless `seed: false`. */
export async function startIcrFake(options: { seed?: boolean } = {}): Promise<IcrFake> {
  const state = icrState();
  if (options.seed !== false) seedIcrDemo(state);

  /** The organization of the path, if the caller's token may act for it. */
  const organizationOf = (req: FakeRequest): IcrOrganization => {
    const grant = state.tokens.get(tokenOf(req)!)!;
    if (grant !== 'all' && !grant.has(req.params.id!)) return refuse(403, 'Forbidden');
    return state.organizations.get(req.params.id!) ?? refuse(404, `Organization ${req.params.id} not found`);
  };
  const withOrganization =
    (handler: (org: IcrOrganization, req: FakeRequest) => FakeReply) =>
    (req: FakeRequest): FakeReply => {
      try {
        return handler(organizationOf(req), req);
      } catch (error) {
        if (error instanceof Refusal) return error.reply;
        throw error;
      }
    };
  const requestOf = (org: IcrOrganization, id: string) =>
    state.requests.find((r) => r.id === id && r.fromOrganizationId === org.id);

  const routes: FakeRoute[] = [
    {
      method: 'GET',
      path: ORG,
      handler: withOrganization((org, req) => {
        onlyQuery(req, ['development']);
        const development = req.query.has('development');
        const credits = [...state.credits.values()]
          .filter((c) => c.development === development)
          .map((c) => ({ credit: c, held: heldBlocks(state, org.id, c.id) }))
          .filter(({ held }) => held.length > 0)
          .map(({ credit: c, held }) => ({
            organizationId: org.id,
            id: c.id,
            tokenId: c.tokenId,
            tokenAddress: c.tokenAddress,
            project: c.project,
            serialization: serializationOf(c, held),
            vintage: c.vintage,
            supply: c.supply,
            unit: 'tonne',
            amount: Number(held.reduce((t, b) => t + size(b), 0n)),
            type: c.type,
          }));
        return json({ credits, organizationId: org.id });
      }),
    },
    {
      method: 'GET',
      path: `${ORG}/requests`,
      handler: withOrganization((org, req) => {
        onlyQuery(req, ['limit', 'page']);
        const [limit, page] = [req.query.get('limit'), req.query.get('page')].map((v) =>
          v !== null && /^\d+$/.test(v) ? Number(v) : NaN,
        );
        if (!Number.isSafeInteger(limit) || limit! < 1 || limit! > 100)
          return problem(400, 'limit is required: a whole number from 1 to 100');
        if (!Number.isSafeInteger(page)) return problem(400, 'page is required: a whole number from 0');
        const mine = state.requests.filter((r) => r.fromOrganizationId === org.id).reverse();
        const pageCount = Math.ceil(mine.length / limit!);
        return json({
          pagination: {
            total: mine.length,
            currentPage: page,
            pageCount,
            nextPage: page! + 1 < pageCount ? page! + 1 : null,
            prevPage: page! > 0 ? page! - 1 : null,
          },
          creditRequests: mine.slice(page! * limit!, (page! + 1) * limit!),
        });
      }),
    },
    {
      method: 'GET',
      path: `${ORG}/requests/{requestId}`,
      handler: withOrganization((org, req) => {
        onlyQuery(req, []);
        const request = requestOf(org, req.params.requestId!);
        return request ? json(request) : problem(404, `Request ${req.params.requestId} not found`);
      }),
    },
    {
      method: 'POST',
      path: `${ORG}/action/{action}`,
      handler: withOrganization((org, req) => {
        const m = movementOf(state, org, req.params.action!, req);
        const blocks = carve(state, org.id, m.credit.id, BigInt(m.amount));
        const request = creditRequestOf(org, m, blocks);
        processRequest(state, request, blocks, m);
        state.requests.push(request);
        return json(request);
      }),
    },
    {
      method: 'POST',
      path: `${ORG}/requests/{action}`,
      handler: withOrganization((org, req) => {
        const m = movementOf(state, org, req.params.action!, req);
        const blocks = carve(state, org.id, m.credit.id, BigInt(m.amount));
        const request = creditRequestOf(org, m, blocks);
        for (const b of blocks) Object.assign(b, { status: 'reserved', requestId: request.id });
        state.requests.push(request);
        return json(request);
      }),
    },
    {
      method: 'POST',
      path: `${ORG}/request/{requestId}/review`,
      handler: withOrganization((org, req) => {
        onlyQuery(req, []);
        const body = bodyOf(req, new Set(['state']));
        if (body.state !== 'Accepted' && body.state !== 'Rejected')
          return problem(400, 'state must be one of Accepted, Rejected');
        const request = requestOf(org, req.params.requestId!);
        if (!request) return problem(404, `Request ${req.params.requestId} not found`);
        if (request.state !== 'pending') return problem(409, `Request ${request.id} is already ${request.state}`);
        const reserved = state.blocks.filter((b) => b.requestId === request.id && b.status === 'reserved');
        if (body.state === 'Rejected') {
          for (const b of reserved) Object.assign(b, { status: 'held', requestId: null });
          Object.assign(request, { state: 'rejected', updatedAt: new Date().toISOString() });
        } else {
          const receiver = request.toAddress
            ? { organizationId: request.toOrganizationId, address: request.toAddress }
            : null;
          processRequest(state, request, reserved, {
            action: request.action,
            credit: state.credits.get(request.creditId)!,
            receiver,
          });
        }
        return json({ id: request.id });
      }),
    },
  ];

  const documented = routes.map((r) => ({
    method: r.method,
    pattern: new RegExp(`^${r.path.replace(/\{[^}]+\}/g, '[^/]+')}/?$`),
  }));
  const guard = (req: FakeRequest): FakeReply | null => {
    if (!documented.some((d) => d.method === req.method && d.pattern.test(req.path))) {
      return {
        status: 404,
        body: `Cannot ${req.method} ${req.path}`,
        headers: { 'content-type': 'text/plain; charset=utf-8' },
      };
    }
    const token = tokenOf(req);
    if (!token || !state.tokens.has(token)) return problem(401, 'Unauthorized');
    const version = req.headers['x-icr-api-version'];
    if (version !== undefined && !state.apiVersions.has(String(version)))
      return problem(400, `Unsupported API version ${String(version)}`);
    return null;
  };

  const fake = await startFake('icr-strict', routes, guard);
  return { ...fake, state, env: { ICR_BASE_URL: fake.url, ICR_API_TOKEN: FAKE_ICR_TOKEN } };
}
