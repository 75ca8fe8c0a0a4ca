// Pooled retirement: the grams an order sells of a project are appended to that project's pool
// (a stream of grams, each order an interval of it) and the registry retires whole tonnes as they
// fill, each cut as one named retirement in the transaction of the order that filled it. The
// registry therefore never retires more than was sold, and every order can tell which tonnes
// hold its grams. Delivery goes through the service outbox; its message tells the state.
import { randomUUID } from 'node:crypto';
import { raw } from '@mikro-orm/core';
import { alignByKey } from '../../../../lib/batch.ts';
import type { EntityManager } from '../../../../lib/db.ts';
import { pooledRetirementRequest, type ServiceOutboxPort } from '../../outbox/port.ts';
import { GRAMS_PER_TONNE } from '../allocation.ts';
import type {
  OffsetPoolRetirementRecord,
  OffsetRetirementShareRecord,
  OffsetRetirementStateRecord,
  OffsetRetirementStatus,
} from '../source.ts';
import { OffsetPoolRetirement, OffsetPoolShare, OffsetRetirementPool } from './entities.ts';

const MESSAGE = 'retireCreditsForOffsetOrder';

/**
 * Adds an order's grams to the pools of its projects and cuts the whole tonnes they fill into
 * named retirements, each with its outbox message, in the order's transaction. Pools are
 * locked in project id order (after the bundles), one fixed order for every transaction.
 */
export async function poolOrderGrams(
  outbox: ServiceOutboxPort,
  tx: EntityManager,
  orderId: string,
  lines: readonly { projectId: string | null; projectName: string; grams: bigint }[],
  now: Date,
): Promise<void> {
  const byProject = new Map<string, { projectName: string; grams: bigint }>();
  for (const line of lines) {
    if (line.projectId === null || line.grams <= 0n) continue;
    const sum = byProject.get(line.projectId) ?? { projectName: line.projectName, grams: 0n };
    sum.grams += line.grams;
    byProject.set(line.projectId, sum);
  }
  for (const projectId of [...byProject.keys()].sort()) {
    const { projectName, grams } = byProject.get(projectId)!;
    await tx
      .createQueryBuilder(OffsetRetirementPool)
      .insert({ projectId, projectName, pooledGrams: 0n, retiredGrams: 0n, retirements: 0 })
      .onConflict('projectId')
      .ignore()
      .execute();
    // The guarded append takes the pool's row lock: a project's orders join its stream one at a time.
    await tx.nativeUpdate(
      OffsetRetirementPool,
      { projectId },
      { pooledGrams: raw('pooled_grams + ?', [grams.toString()]) },
    );
    const pool = await tx.findOneOrFail(OffsetRetirementPool, { projectId }, { refresh: true });
    const end = BigInt(pool.pooledGrams);
    const retiredGrams = BigInt(pool.retiredGrams);
    tx.create(OffsetPoolShare, {
      id: randomUUID(),
      orderId,
      projectId,
      projectName,
      startGram: end - grams,
      endGram: end,
    });
    const tonnes = (end - retiredGrams) / GRAMS_PER_TONNE;
    if (tonnes === 0n) continue;
    const sequence = pool.retirements + 1;
    const retirement = {
      id: randomUUID(),
      projectId,
      projectName,
      sequence,
      name: `${projectName} pooled retirement #${sequence}`,
      startGram: retiredGrams,
      endGram: retiredGrams + tonnes * GRAMS_PER_TONNE,
      createdAt: now,
    };
    tx.create(OffsetPoolRetirement, retirement);
    await tx.nativeUpdate(
      OffsetRetirementPool,
      { projectId },
      { retiredGrams: retirement.endGram, retirements: sequence },
    );
    await outbox.enqueue(tx, MESSAGE, retirement.id, pooledRetirementRequest({ ...retirement, tonnes }), now);
  }
}

/**
 * Projects whose retirement the registry refuses now (BLOCKED): it does not hold the credits the
 * marketplace already sold, so their bundles are not offered until a retry succeeds.
 */
export async function blockedProjects(outbox: ServiceOutboxPort, em: EntityManager): Promise<Set<string>> {
  return new Set((await outbox.refusedInputs(em, MESSAGE)).map((input) => input.projectId));
}

/** Pooled retirements with their state, read from their outbox messages in one statement. */
async function poolRetirementRecords(
  outbox: ServiceOutboxPort,
  em: EntityManager,
  rows: OffsetPoolRetirement[],
): Promise<OffsetPoolRetirementRecord[]> {
  if (rows.length === 0) return [];
  const outcomes = await outbox.outcomes(
    em,
    MESSAGE,
    rows.map((r) => r.id),
  );
  return rows.map((r) => {
    const outcome = outcomes.get(r.id);
    const refusal = outcome?.refusal ?? null;
    const status: OffsetRetirementStatus =
      outcome?.status === 'DELIVERED' ? 'RETIRED' : refusal ? 'BLOCKED' : 'PENDING';
    return {
      id: r.id,
      name: r.name,
      projectId: r.projectId,
      projectName: r.projectName,
      tonnes: (BigInt(r.endGram) - BigInt(r.startGram)) / GRAMS_PER_TONNE,
      status,
      blockedReason: status === 'BLOCKED' ? refusal : null,
      createdAt: r.createdAt,
    };
  });
}

export async function poolRetirementsByIds(
  outbox: ServiceOutboxPort,
  em: EntityManager,
  ids: readonly string[],
): Promise<(OffsetPoolRetirementRecord | null)[]> {
  const rows = await em.find(OffsetPoolRetirement, { id: { $in: [...ids] } });
  return alignByKey(ids, await poolRetirementRecords(outbox, em, rows), (r) => r.id);
}

/**
 * The retirement state of each order, for a batch of orders in four statements (shares, pools,
 * the retirements that cover them, their messages). An order's share of a retirement is the
 * overlap of their intervals; grams past the pool's retired end still wait in the pool.
 */
export async function retirementStates(
  outbox: ServiceOutboxPort,
  em: EntityManager,
  orderIds: readonly string[],
): Promise<(OffsetRetirementStateRecord | null)[]> {
  const shares = await em.find(
    OffsetPoolShare,
    { orderId: { $in: [...orderIds] } },
    { orderBy: { projectId: 'asc', startGram: 'asc' } },
  );
  if (shares.length === 0) return orderIds.map(() => null);
  const pools = new Map(
    (await em.find(OffsetRetirementPool, { projectId: { $in: [...new Set(shares.map((s) => s.projectId))] } })).map(
      (p) => [p.projectId, BigInt(p.retiredGrams)],
    ),
  );
  const covered = shares.filter((s) => BigInt(s.startGram) < (pools.get(s.projectId) ?? 0n));
  const rows = covered.length
    ? await em.find(
        OffsetPoolRetirement,
        {
          $or: covered.map((s) => ({
            projectId: s.projectId,
            startGram: { $lt: s.endGram },
            endGram: { $gt: s.startGram },
          })),
        },
        { orderBy: { projectId: 'asc', startGram: 'asc' } },
      )
    : [];
  const retirements = (await poolRetirementRecords(outbox, em, rows)).map((record, i) => ({
    record,
    start: BigInt(rows[i]!.startGram),
    end: BigInt(rows[i]!.endGram),
  }));
  const byOrder = Map.groupBy(shares, (s) => s.orderId);
  return orderIds.map((orderId) => {
    const mine = byOrder.get(orderId);
    if (!mine) return null;
    const parts: OffsetRetirementShareRecord[] = [];
    for (const share of mine) {
      const start = BigInt(share.startGram);
      const end = BigInt(share.endGram);
      for (const r of retirements) {
        if (r.record.projectId !== share.projectId || r.start >= end || r.end <= start) continue;
        const grams = (end < r.end ? end : r.end) - (start > r.start ? start : r.start);
        parts.push({ projectId: share.projectId, projectName: share.projectName, grams, retirement: r.record });
      }
      const retiredEnd = pools.get(share.projectId) ?? 0n;
      const waiting = end - (start > retiredEnd ? start : retiredEnd);
      if (waiting > 0n)
        parts.push({ projectId: share.projectId, projectName: share.projectName, grams: waiting, retirement: null });
    }
    const blocked = parts.find((p) => p.retirement?.status === 'BLOCKED');
    const status: OffsetRetirementStatus = blocked
      ? 'BLOCKED'
      : parts.some((p) => p.retirement?.status !== 'RETIRED')
        ? 'PENDING'
        : 'RETIRED';
    return { status, blockedReason: blocked?.retirement?.blockedReason ?? null, shares: parts };
  });
}
