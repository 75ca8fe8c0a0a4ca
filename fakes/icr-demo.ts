// The strict ICR fake (icr-strict.ts, written from the document alone) holding the registry's
// demo data set (subgraphs/registry/local/seed.ts) instead of its own seed, so the registry
// answers alike in both modes: the demo organizations, credits, serial blocks and credit requests.
import {
  demoBlocks,
  demoCreditRequests,
  demoCredits,
  demoOrganizations,
  demoProjects,
} from '../subgraphs/registry/local/seed.ts';
import {
  startIcrFake,
  type IcrCredit,
  type IcrCreditRequest,
  type IcrFake,
  type IcrProject,
  type IcrState,
} from './icr-strict.ts';

export { FAKE_ICR_TOKEN, icrLedgerTotals, type IcrFake } from './icr-strict.ts';

const icrType = (kind: 'EX_ANTE' | 'EX_POST') => (kind === 'EX_ANTE' ? 'exAnte' : 'exPost');

/** Fills an empty strict-fake state with the registry's demo data set. */
export function seedRegistryDemo(state: IcrState): void {
  demoOrganizations.forEach((o, i) =>
    state.organizations.set(o.id, { id: o.id, address: `0x${(0xde0a00 + i).toString(16).padStart(40, '0')}` }),
  );
  const projects = new Map(
    demoProjects.map((p): [string, IcrProject] => [
      p.id,
      { id: p.id, fullName: p.fullName, url: p.url!, publicUrl: p.publicUrl!, num: p.num! },
    ]),
  );
  for (const c of demoCredits) {
    const credit: IcrCredit = {
      id: c.id,
      tokenId: c.tokenId,
      tokenAddress: c.tokenAddress,
      project: projects.get(c.projectId)!,
      serialPrefix: c.serialPrefix,
      vintage: String(c.vintage),
      supply: Number(c.supplyTonnes),
      type: icrType(c.kind),
      serialFirst: c.serialFirst,
      development: c.development,
    };
    state.credits.set(c.id, credit);
  }
  for (const b of demoBlocks) {
    state.blocks.push({
      creditId: b.creditId,
      start: b.serialStart,
      end: b.serialEnd,
      status: b.status.toLowerCase() as 'held' | 'reserved' | 'retired' | 'cancelled',
      organizationId: b.organizationId,
      address: b.organizationId ? null : b.holderAddress,
      requestId: null,
    });
  }
  // Oldest first: the fake lists an organization's requests newest first.
  const requests = [...demoCreditRequests].sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
  for (const r of requests) {
    const c = state.credits.get(r.creditId)!;
    const processed = r.state === 'PROCESSED';
    const request: IcrCreditRequest = {
      action: r.action.toLowerCase() as IcrCreditRequest['action'],
      type: c.type,
      id: r.id,
      toAddress: r.toAddress ?? (r.toOrganizationId ? state.organizations.get(r.toOrganizationId)!.address : null),
      createdAt: r.createdAt.toISOString(),
      updatedAt: r.updatedAt.toISOString(),
      tokenId: c.tokenId,
      tokenAddress: c.tokenAddress,
      creditId: c.id,
      serialization: r.serialization ?? '',
      vintage: c.vintage,
      amount: Number(r.amountTonnes),
      fromOrganizationId: r.fromOrganizationId,
      toOrganizationId: r.toOrganizationId,
      project: c.project,
      txId: r.txId,
      state: r.state.toLowerCase() as IcrCreditRequest['state'],
      transactionData: processed
        ? { creditId: c.id, tokenId: c.tokenId, amount: Number(r.amountTonnes), serialization: r.serialization ?? '' }
        : null,
      retirementId: r.retirementId,
      retirementReason: r.retirementReason,
      retirementComment: r.retirementComment,
      beneficiaryName: r.beneficiaryName,
    };
    state.requests.push(request);
  }
}

/** Every effect the fake's ICR took (processed transactions and accepted requests, all actions). */
export const effectCount = (fake: IcrFake) => Object.values(fake.state.effects).reduce((t, n) => t + n, 0);

/** The strict ICR fake with the registry's demo data. */
export async function startIcrDemoFake(): Promise<IcrFake> {
  const fake = await startIcrFake({ seed: false });
  seedRegistryDemo(fake.state);
  return fake;
}
