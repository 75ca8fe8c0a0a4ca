// Upstream mode's share of the demo data: the memberships of the demo users (so the demo users
// act for their organizations as in local mode) and the journal of the two demo offset-order
// retirements (the ICR holds them as processed RETIRE requests of the offset inventory; only the
// layer knows their offset orders and keys).
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '../../../lib/db.ts';
import { DEMO } from '../../../demo/data.ts';
import { dec } from '../../../lib/decimal.ts';
import { Membership } from '../local/entities.ts';
import {
  demoCreditRequests,
  demoCredits,
  demoMemberships,
  demoOffsetRetirements,
  demoProjects,
} from '../local/seed.ts';
import { offsetRetirementFingerprint } from '../rules.ts';
import type { CreditRequestRecord } from '../source.ts';
import { IcrEffect, IcrWriteKey } from './entities.ts';
import { storeRequest } from './writes.ts';

/** Seeds an empty upstream-mode database; does nothing when memberships exist. */
export async function seedUpstreamRecords(em: EntityManager): Promise<boolean> {
  if ((await em.count(Membership, {})) > 0) return false;
  const at = new Date('2026-01-07T08:00:00.000Z');
  for (const m of demoMemberships)
    em.create(Membership, { id: randomUUID(), organizationId: m.organizationId, userId: m.userId, createdAt: at });
  for (const offset of demoOffsetRetirements) {
    const r = demoCreditRequests.find((x) => x.retirementId === offset.retirementId)!;
    const credit = demoCredits.find((c) => c.id === r.creditId)!;
    const { amountTonnes: _tonnes, requestedBy: _by, ...wire } = r;
    const record: CreditRequestRecord = {
      ...wire,
      kind: credit.kind,
      tokenId: credit.tokenId,
      tokenAddress: credit.tokenAddress,
      vintage: credit.vintage,
      project: demoProjects.find((p) => p.id === credit.projectId) ?? null,
      amount: dec(r.amountTonnes.toString()),
    };
    const keyId = randomUUID();
    const effectId = randomUUID();
    em.create(IcrWriteKey, {
      id: keyId,
      scope: 'OFFSET',
      organizationId: DEMO.organizations.marketplaceOffsets,
      key: offset.idempotencyKey,
      requestHash: offsetRetirementFingerprint(offset),
      state: 'DONE',
      result: { effectIds: [effectId] },
      createdAt: r.createdAt,
      updatedAt: r.createdAt,
    });
    em.create(IcrEffect, {
      id: effectId,
      keyId,
      organizationId: DEMO.organizations.marketplaceOffsets,
      route: 'action',
      action: 'RETIRE',
      creditId: r.creditId,
      amountTonnes: r.amountTonnes,
      toOrganizationId: null,
      toAddress: null,
      offsetOrderId: offset.offsetOrderId,
      body: {
        creditId: r.creditId,
        amount: Number(r.amountTonnes),
        retirementData: { reason: offset.reason, beneficiaryName: offset.beneficiaryName, comment: offset.comment },
      },
      state: 'DONE',
      icrRequestId: r.id,
      request: storeRequest(record),
      createdAt: r.createdAt,
      updatedAt: r.createdAt,
    });
  }
  await em.flush();
  return true;
}
