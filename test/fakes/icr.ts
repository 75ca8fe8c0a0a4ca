// Contract fake of the International Carbon Registry organization inventory API, from
// ../shared/seeds/001_e64f4de24ea2d133.txt: its six routes and nothing else (no membership
// header, no idempotency key, no retirement or token lookup), with the error statuses assumed in
// subgraphs/registry/upstream/client.ts where the seed is silent. It keeps an in-memory ledger
// of serial blocks (the registry's demo data set) so transactions behave as the ICR's would.
import { randomBytes, randomUUID } from 'node:crypto';
import { joinSerializations, serialization } from '../../subgraphs/registry/rules.ts';
import { unknownCredit, unknownOrganization, insufficientBalance } from '../../subgraphs/registry/rules.ts';
import {
  demoBlocks,
  demoCreditRequests,
  demoCredits,
  demoOrganizations,
  demoProjects,
  type DemoCredit,
} from '../../subgraphs/registry/local/seed.ts';
import type { IcrAction, IcrCredit, IcrCreditRequest, IcrProject } from '../../subgraphs/registry/upstream/client.ts';
import { toIcrKind } from '../../subgraphs/registry/upstream/mappers.ts';
import { json, problem, startFake, type FakeReply, type FakeRequest, type RunningFake } from './harness.ts';

export const FAKE_ICR_TOKEN = 'fake-icr-api-token';
export const ICR_DEFAULT_VERSION = '2023-06-16';
const ACTIONS: IcrAction[] = ['transfer', 'retire', 'transfer_retire', 'cancel'];

type Status = 'HELD' | 'RESERVED' | 'RETIRED' | 'CANCELLED';
interface Block {
  id: string;
  creditId: string;
  start: bigint;
  end: bigint;
  status: Status;
  organizationId: string | null;
  holderAddress: string | null;
  requestId: string | null;
}

const size = (b: Block) => b.end - b.start + 1n;
const txId = () => `0x${randomBytes(32).toString('hex')}`;

export function icrState() {
  const projects = new Map(demoProjects.map((p) => [p.id, { id: p.id, fullName: p.fullName, url: p.url, publicUrl: p.publicUrl, num: p.num } as IcrProject]));
  const credits = new Map(demoCredits.map((c) => [c.id, c]));
  const requestOf = (r: (typeof demoCreditRequests)[number]): IcrCreditRequest => {
    const c = credits.get(r.creditId)!;
    return {
      action: r.action.toLowerCase() as IcrAction,
      type: toIcrKind(c.kind),
      id: r.id,
      toAddress: r.toAddress,
      createdAt: r.createdAt.toISOString(),
      updatedAt: r.updatedAt.toISOString(),
      tokenId: c.tokenId,
      tokenAddress: c.tokenAddress,
      creditId: c.id,
      serialization: r.serialization,
      vintage: String(c.vintage),
      amount: Number(r.amountTonnes),
      fromOrganizationId: r.fromOrganizationId,
      toOrganizationId: r.toOrganizationId,
      project: projects.get(c.projectId) ?? null,
      txId: r.txId,
      state: r.state.toLowerCase() as IcrCreditRequest['state'],
      transactionData: null,
      retirementId: r.retirementId,
      retirementReason: r.retirementReason,
      retirementComment: r.retirementComment,
      beneficiaryName: r.beneficiaryName,
    };
  };
  return {
    organizations: demoOrganizations.map((o) => ({ ...o })),
    projects,
    credits,
    blocks: demoBlocks.map((b): Block => ({ id: randomUUID(), creditId: b.creditId, start: b.serialStart, end: b.serialEnd, status: b.status, organizationId: b.organizationId, holderAddress: b.holderAddress, requestId: null })),
    requests: demoCreditRequests.map(requestOf),
    /** Every action and request the API executed or filed (its effects, counted by tests). */
    effects: 0,
  };
}
export type IcrState = ReturnType<typeof icrState>;

/** The same sums as the local ledger's `ledgerTotals`, over the fake's blocks. */
export function icrLedgerTotals(state: IcrState, creditId: string) {
  const credit = state.credits.get(creditId)!;
  const blocks = state.blocks.filter((b) => b.creditId === creditId);
  const sum = (s: Status) => blocks.filter((b) => b.status === s).reduce((t, b) => t + size(b), 0n);
  const sorted = [...blocks].sort((a, b) => (a.start < b.start ? -1 : 1));
  let next = credit.serialFirst;
  let contiguous = true;
  for (const b of sorted) {
    if (b.start !== next || b.end < b.start) contiguous = false;
    next = b.end + 1n;
  }
  return {
    issued: credit.supplyTonnes,
    held: sum('HELD'),
    reserved: sum('RESERVED'),
    retired: sum('RETIRED'),
    cancelled: sum('CANCELLED'),
    serialsUnique: contiguous && next === credit.serialFirst + credit.supplyTonnes,
    balancesMatch: blocks.every((b) => size(b) > 0n),
  };
}

export interface IcrFake extends RunningFake {
  state: IcrState;
  /** What a registry needs to call this fake (the stack harness merges it into the config). */
  env: Record<string, string>;
}

export async function startIcrFake(): Promise<IcrFake> {
  const state = icrState();
  const project = (c: DemoCredit) => state.projects.get(c.projectId)!;
  const heldBlocks = (creditId: string, organizationId: string) =>
    state.blocks.filter((b) => b.creditId === creditId && b.organizationId === organizationId && b.status === 'HELD').sort((a, b) => (a.start < b.start ? -1 : 1));

  const orgExists = (id: string) => state.organizations.some((o) => o.id === id);

  const creditWire = (c: DemoCredit, organizationId: string | null, amount: bigint, blocks: Block[]): IcrCredit => ({
    ...(organizationId ? { organizationId } : {}),
    id: c.id,
    tokenId: c.tokenId,
    tokenAddress: c.tokenAddress,
    project: project(c),
    serialization: joinSerializations(blocks.map((b) => serialization(c.serialPrefix, b.start, b.end))),
    vintage: String(c.vintage),
    supply: Number(c.supplyTonnes),
    unit: 'tonne',
    amount: Number(amount),
    type: toIcrKind(c.kind),
  });

  /** Takes `amount` tonnes (lowest serials first) from `from`, splitting the last block. */
  const take = (from: Block[], amount: bigint): Block[] => {
    const taken: Block[] = [];
    let left = amount;
    for (const b of from) {
      if (left === 0n) break;
      if (size(b) <= left) {
        taken.push(b);
        left -= size(b);
      } else {
        const part: Block = { ...b, id: randomUUID(), end: b.start + left - 1n };
        b.start += left;
        state.blocks.push(part);
        taken.push(part);
        left = 0n;
      }
    }
    return taken;
  };

  interface Body {
    creditId?: string;
    amount?: number;
    toOrganizationId?: string;
    toAddress?: string;
    retirementData?: { reason?: string; beneficiaryName?: string; comment?: string };
  }

  /** Checks an action; answers the refusal, or null when it may run. */
  const check = (organizationId: string, action: string, body: Body): FakeReply | null => {
    if (!ACTIONS.includes(action as IcrAction)) return problem(400, `Unknown action ${action}`);
    if (!body || typeof body.creditId !== 'string' || !Number.isInteger(body.amount) || body.amount! <= 0) return problem(400, 'creditId and a positive whole amount are required');
    const transfer = action === 'transfer' || action === 'transfer_retire';
    if (transfer && Boolean(body.toOrganizationId) === Boolean(body.toAddress)) return problem(400, 'Exactly one of toOrganizationId and toAddress is required');
    if ((action === 'retire' || action === 'transfer_retire') && !(body.retirementData?.reason && body.retirementData.beneficiaryName && body.retirementData.comment)) return problem(400, 'retirementData is required');
    const credit = state.credits.get(body.creditId);
    const holds = credit && state.blocks.some((b) => b.creditId === credit.id && b.organizationId === organizationId);
    if (!credit || !holds) return problem(404, unknownCredit(body.creditId));
    if (body.toOrganizationId && !orgExists(body.toOrganizationId)) return problem(404, unknownOrganization(body.toOrganizationId));
    const free = heldBlocks(credit.id, organizationId).reduce((t, b) => t + size(b), 0n);
    if (free < BigInt(body.amount!)) return problem(422, insufficientBalance(BigInt(body.amount!)));
    return null;
  };

  /** Moves blocks already taken from the sender as the action says; records a retirement. */
  const execute = (request: IcrCreditRequest, blocks: Block[]) => {
    const set = (status: Status, organizationId: string | null, holderAddress: string | null) => {
      for (const b of blocks) Object.assign(b, { status, organizationId, holderAddress, requestId: null });
    };
    request.txId = txId();
    if (request.action === 'retire' || request.action === 'transfer_retire') request.retirementId = randomUUID();
    if (request.action === 'transfer') set('HELD', request.toOrganizationId, request.toAddress);
    if (request.action === 'retire') set('RETIRED', request.fromOrganizationId, null);
    if (request.action === 'transfer_retire') set('RETIRED', request.toOrganizationId, request.toAddress);
    if (request.action === 'cancel') set('CANCELLED', request.fromOrganizationId, null);
  };

  const newRequest = (organizationId: string, action: IcrAction, body: Body, blocks: Block[], pending: boolean): IcrCreditRequest => {
    const credit = state.credits.get(body.creditId!)!;
    const now = new Date().toISOString();
    const request: IcrCreditRequest = {
      action,
      type: toIcrKind(credit.kind),
      id: randomUUID(),
      toAddress: body.toAddress ?? null,
      createdAt: now,
      updatedAt: now,
      tokenId: credit.tokenId,
      tokenAddress: credit.tokenAddress,
      creditId: credit.id,
      serialization: joinSerializations([...blocks].sort((a, b) => (a.start < b.start ? -1 : 1)).map((b) => serialization(credit.serialPrefix, b.start, b.end))),
      vintage: String(credit.vintage),
      amount: body.amount!,
      fromOrganizationId: organizationId,
      toOrganizationId: body.toOrganizationId ?? null,
      project: project(credit),
      txId: null,
      state: pending ? 'pending' : 'processed',
      transactionData: null,
      retirementId: null,
      retirementReason: body.retirementData?.reason ?? null,
      retirementComment: body.retirementData?.comment ?? null,
      beneficiaryName: body.retirementData?.beneficiaryName ?? null,
    };
    state.requests.push(request);
    state.effects++;
    return request;
  };

  const pageOf = <T>(req: FakeRequest, rows: T[]) => {
    const limit = Number(req.query.get('limit'));
    const page = Number(req.query.get('page'));
    if (!Number.isInteger(limit) || limit < 1 || limit > 100 || !Number.isInteger(page) || page < 0) return null;
    const pageCount = Math.ceil(rows.length / limit);
    return {
      items: rows.slice(page * limit, (page + 1) * limit),
      pagination: { total: rows.length, currentPage: page, pageCount, nextPage: page + 1 < pageCount ? page + 1 : null, prevPage: page > 0 ? page - 1 : null },
    };
  };
  const newestFirst = <T extends { createdAt: string; id: string }>(rows: T[]) =>
    [...rows].sort((a, b) => b.createdAt.localeCompare(a.createdAt) || (a.id < b.id ? 1 : -1));

  const guard = (req: FakeRequest): FakeReply | null => {
    if (req.headers.authorization !== `Bearer ${FAKE_ICR_TOKEN}`) return problem(401, 'Invalid API key');
    if (req.headers['x-icr-api-version'] !== ICR_DEFAULT_VERSION) return problem(400, `Unsupported API version ${String(req.headers['x-icr-api-version'])}`);
    return null;
  };

  const fake = await startFake(
    'icr',
    [
      {
        method: 'GET',
        path: '/organizations/{id}/inventory',
        handler: (req) => {
          const id = req.params.id!;
          if (!orgExists(id)) return problem(404, 'Organization not found');
          const development = req.query.has('development');
          const credits = [...state.credits.values()]
            .filter((c) => c.development === development)
            .map((c) => ({ c, blocks: heldBlocks(c.id, id) }))
            .filter(({ blocks }) => blocks.length > 0)
            .sort((a, b) => a.c.vintage - b.c.vintage || (a.c.id < b.c.id ? -1 : 1))
            .map(({ c, blocks }) => creditWire(c, id, blocks.reduce((t, b) => t + size(b), 0n), blocks));
          return json({ credits, organizationId: id });
        },
      },
      {
        method: 'GET',
        path: '/organizations/{id}/inventory/requests',
        handler: (req) => {
          const id = req.params.id!;
          const page = pageOf(req, newestFirst(state.requests.filter((r) => r.fromOrganizationId === id)));
          return page ? json({ pagination: page.pagination, creditRequests: page.items }) : problem(400, 'limit and page are required');
        },
      },
      {
        method: 'GET',
        path: '/organizations/{id}/inventory/requests/{requestId}',
        handler: (req) => {
          const r = state.requests.find((x) => x.id === req.params.requestId && x.fromOrganizationId === req.params.id);
          return r ? json(r) : problem(404, 'Credit request not found');
        },
      },
      {
        method: 'POST',
        path: '/organizations/{id}/inventory/action/{action}',
        handler: (req) => {
          const id = req.params.id!;
          const body = req.body as Body;
          const refused = check(id, req.params.action!, body);
          if (refused) return refused;
          const blocks = take(heldBlocks(body.creditId!, id), BigInt(body.amount!));
          const request = newRequest(id, req.params.action as IcrAction, body, blocks, false);
          execute(request, blocks);
          return json(request);
        },
      },
      {
        method: 'POST',
        path: '/organizations/{id}/inventory/requests/{action}',
        handler: (req) => {
          const id = req.params.id!;
          const body = req.body as Body;
          const refused = check(id, req.params.action!, body);
          if (refused) return refused;
          const blocks = take(heldBlocks(body.creditId!, id), BigInt(body.amount!));
          const request = newRequest(id, req.params.action as IcrAction, body, blocks, true);
          for (const b of blocks) Object.assign(b, { status: 'RESERVED', requestId: request.id });
          return json(request);
        },
      },
      {
        method: 'POST',
        path: '/organizations/{id}/inventory/request/{requestId}/review',
        handler: (req) => {
          const id = req.params.id!;
          const decision = (req.body as { state?: string })?.state;
          if (decision !== 'Accepted' && decision !== 'Rejected') return problem(400, 'state must be Accepted or Rejected');
          const request = state.requests.find((r) => r.id === req.params.requestId && r.fromOrganizationId === id);
          if (!request) return problem(404, 'Credit request not found');
          if (request.state !== 'pending') return problem(409, 'Credit request has already been reviewed');
          const blocks = state.blocks.filter((b) => b.requestId === request.id);
          request.updatedAt = new Date().toISOString();
          if (decision === 'Rejected') {
            request.state = 'rejected';
            for (const b of blocks) Object.assign(b, { status: 'HELD', requestId: null });
          } else {
            request.state = 'processed';
            execute(request, blocks);
          }
          return json({ id: request.id });
        },
      },
    ],
    guard,
  );
  return Object.assign(fake, { state, env: { ICR_API_TOKEN: FAKE_ICR_TOKEN } });
}
