// Offset orders' retirements on the local ledger: the marketplace's sold tonnes of a project are
// retired from the offset inventory (oldest vintage first, the rule both adapters share), exactly
// once per idempotency key.
import { randomUUID } from 'node:crypto';
import { UniqueConstraintViolationException, raw } from '@mikro-orm/core';
import type { EntityManager } from '../../../lib/db.ts';
import { allocateOffsetTonnes, offsetRetireAction, oldestVintageFirst } from '../offset-allocation.ts';
import { idempotencyMismatchError, noOffsetCreditsError, offsetRetirementFingerprint } from '../rules.ts';
import type { OffsetRetirementCommand, RetirementRecord } from '../source.ts';
import { Balance, Credit, OffsetRetirementKey, Retirement, SERVICE_REQUESTER } from './entities.ts';
import { processAtOnce } from './ledger.ts';
import type { LocalRegistryReads } from './reads.ts';

export class LocalOffsetRetirements {
  private readonly em: EntityManager;
  private readonly reads: LocalRegistryReads;
  /** The organization holding the marketplace's offset inventory. */
  private readonly offsetOrganizationId: string;

  constructor(em: EntityManager, reads: LocalRegistryReads, offsetOrganizationId: string) {
    this.em = em;
    this.reads = reads;
    this.offsetOrganizationId = offsetOrganizationId;
  }

  /**
   * Retires tonnes of one project from the offset inventory in one transaction, oldest vintage
   * first, one RETIRE per credit through the ledger's own path (guarded debit, block split).
   * The key row is written first: a concurrent twin hits the unique (organization, key) index
   * and returns the winner's retirements.
   */
  async retireCreditsForOffsetOrder(cmd: OffsetRetirementCommand): Promise<RetirementRecord[]> {
    const organizationId = this.offsetOrganizationId;
    const requestHash = offsetRetirementFingerprint(cmd);
    const replay = async () => {
      const em = this.em.fork();
      const existing = await em.findOne(OffsetRetirementKey, { organizationId, key: cmd.idempotencyKey });
      if (!existing) return null;
      if (existing.requestHash !== requestHash) throw idempotencyMismatchError();
      const rows = await em.find(Retirement, { id: { $in: existing.retirementIds } });
      const byId = new Map(rows.map((r) => [r.id, r]));
      return this.reads.retirementRecords(existing.retirementIds.map((id) => byId.get(id)!));
    };
    const earlier = await replay();
    if (earlier) return earlier;
    let retired: Retirement[];
    try {
      retired = await this.em.fork().transactional(async (em) => {
        const key = em.create(OffsetRetirementKey, {
          id: randomUUID(),
          organizationId,
          key: cmd.idempotencyKey,
          requestHash,
          retirementIds: [],
          createdAt: new Date(),
        });
        await em.flush();
        const credits = await em.find(
          Credit,
          { projectId: cmd.projectId, development: false },
          { orderBy: { vintage: 'ASC', id: 'ASC' } },
        );
        const known = credits.length
          ? await em.find(Balance, { organizationId, creditId: { $in: credits.map((c) => c.id) } })
          : [];
        if (!known.length) throw noOffsetCreditsError(cmd.projectId);
        // Lock the balance rows (oldest credit first, one order for every caller) before reading them.
        const ordered = oldestVintageFirst(credits.filter((c) => known.some((b) => b.creditId === c.id)));
        for (const c of ordered)
          await em.nativeUpdate(Balance, { creditId: c.id, organizationId }, { heldTonnes: raw('held_tonnes') });
        const free = new Map(
          (
            await em.find(Balance, { organizationId, creditId: { $in: ordered.map((c) => c.id) } }, { refresh: true })
          ).map((b) => [b.creditId, b.heldTonnes]),
        );
        const plan = allocateOffsetTonnes(cmd, ordered, (credit) => free.get(credit.id) ?? 0n);
        const retirements: Retirement[] = [];
        for (const { credit, amount } of plan) {
          const action = offsetRetireAction(organizationId, credit.id, amount, cmd);
          const { retirement } = await processAtOnce(em, credit, action, randomUUID(), SERVICE_REQUESTER);
          retirements.push(retirement!);
        }
        key.retirementIds = retirements.map((r) => r.id);
        return retirements;
      });
    } catch (error) {
      if (error instanceof UniqueConstraintViolationException) {
        const winner = await replay();
        if (winner) return winner;
      }
      throw error;
    }
    return this.reads.retirementRecords(retired);
  }
}
