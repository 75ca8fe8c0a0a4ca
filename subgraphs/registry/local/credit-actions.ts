// Credit actions on the local ledger: transfers, retirements and cancellations done at once or
// requested for review, and the review itself, each in one transaction and exactly once per key.
import { randomUUID } from 'node:crypto';
import { UniqueConstraintViolationException, raw } from '@mikro-orm/core';
import type { Viewer } from '../../../lib/auth.ts';
import type { EntityManager } from '../../../lib/db.ts';
import type { OrganizationAccess } from '../access.ts';
import { alreadyReviewedError, fingerprint, idempotencyMismatchError, unknownRequestError } from '../rules.ts';
import type { CreditActionCommand, CreditRequestRecord, ReviewDecision } from '../source.ts';
import { Balance, Credit, CreditActionKey, CreditRequest } from './entities.ts';
import {
  applyAction,
  creditRequestRow,
  lockBalancesInOrder,
  newTxId,
  prepareAction,
  processAtOnce,
  serializationOf,
  takeBlocks,
  takeHeld,
} from './ledger.ts';
import type { LocalRegistryReads } from './reads.ts';

export class LocalCreditActions {
  private readonly em: EntityManager;
  private readonly access: OrganizationAccess;
  private readonly reads: LocalRegistryReads;

  constructor(em: EntityManager, access: OrganizationAccess, reads: LocalRegistryReads) {
    this.em = em;
    this.access = access;
    this.reads = reads;
  }

  /** Members and admins act for an organization; anyone else is refused. */
  private assertMember(organizationId: string): Promise<Viewer> {
    return this.access.assertMayAct(organizationId);
  }

  /**
   * Runs a credit action in one transaction. With an idempotency key, the key row is written first
   * in the same transaction: a concurrent twin hits the unique (organization, key) index and
   * returns the winner's request; the same key with a different input is a user error.
   */
  private async idempotent(
    kind: 'TRANSACT' | 'REQUEST',
    cmd: CreditActionCommand,
    run: (em: EntityManager, requestId: string) => Promise<CreditRequest>,
  ): Promise<CreditRequest> {
    const key = cmd.idempotencyKey;
    const requestHash = fingerprint(kind, cmd);
    const replay = async () => {
      const em = this.em.fork();
      const existing = await em.findOne(CreditActionKey, { organizationId: cmd.organizationId, key: key! });
      if (!existing) return null;
      if (existing.requestHash !== requestHash) throw idempotencyMismatchError();
      return em.findOneOrFail(CreditRequest, { id: existing.creditRequestId });
    };
    if (key) {
      const earlier = await replay();
      if (earlier) return earlier;
    }
    const requestId = randomUUID();
    try {
      return await this.em.fork().transactional(async (em) => {
        if (key)
          await em.insert(CreditActionKey, {
            id: randomUUID(),
            organizationId: cmd.organizationId,
            key,
            requestHash,
            creditRequestId: requestId,
            createdAt: new Date(),
          });
        return run(em, requestId);
      });
    } catch (error) {
      if (key && error instanceof UniqueConstraintViolationException) {
        const winner = await replay();
        if (winner) return winner;
      }
      throw error;
    }
  }

  async transactCredits(cmd: CreditActionCommand): Promise<CreditRequestRecord> {
    const viewer = await this.assertMember(cmd.organizationId);
    const row = await this.idempotent('TRANSACT', cmd, async (em, requestId) => {
      const credit = await prepareAction(em, cmd);
      if (cmd.action === 'TRANSFER' && cmd.toOrganizationId)
        await lockBalancesInOrder(em, credit.id, [cmd.organizationId, cmd.toOrganizationId]);
      return (await processAtOnce(em, credit, cmd, requestId, viewer.id)).request;
    });
    return (await this.reads.requestRecords([row]))[0]!;
  }

  async requestCreditAction(cmd: CreditActionCommand): Promise<CreditRequestRecord> {
    const viewer = await this.assertMember(cmd.organizationId);
    const row = await this.idempotent('REQUEST', cmd, async (em, id) => {
      const credit = await prepareAction(em, cmd);
      const blocks = await takeHeld(em, credit, cmd.organizationId, cmd.amount, true);
      for (const b of blocks) Object.assign(b, { status: 'RESERVED', requestId: id });
      return em.create(
        CreditRequest,
        creditRequestRow(id, cmd, viewer.id, {
          state: 'PENDING',
          creditId: credit.id,
          serialization: serializationOf(credit, blocks),
          txId: null,
          retirementId: null,
        }),
      );
    });
    return (await this.reads.requestRecords([row]))[0]!;
  }

  async reviewCreditRequest(
    organizationId: string,
    requestId: string,
    decision: ReviewDecision,
  ): Promise<CreditRequestRecord> {
    const viewer = await this.assertMember(organizationId);
    const row = await this.em.transactional(async (em) => {
      const request = await em.findOne(CreditRequest, { id: requestId, organizationId });
      if (!request) throw unknownRequestError(requestId);
      const now = new Date();
      const state = decision === 'ACCEPTED' ? 'PROCESSED' : 'REJECTED';
      // Balances first, then the request (see the lock order above), for an accept and a reject alike.
      const receiver = decision === 'ACCEPTED' && request.action === 'TRANSFER' ? request.toOrganizationId : null;
      await lockBalancesInOrder(em, request.creditId, receiver ? [organizationId, receiver] : [organizationId]);
      // Reviewed once: only the first review finds the request still pending.
      const won = await em.nativeUpdate(
        CreditRequest,
        { id: requestId, state: 'PENDING' },
        { state, reviewedBy: viewer.id, updatedAt: now },
      );
      if (won !== 1) throw alreadyReviewedError(requestId);
      const n = Number(request.amountTonnes);
      const released = await em.nativeUpdate(
        Balance,
        { creditId: request.creditId, organizationId, reservedTonnes: { $gte: request.amountTonnes } },
        decision === 'ACCEPTED'
          ? { reservedTonnes: raw('reserved_tonnes - ?', [n]) }
          : { reservedTonnes: raw('reserved_tonnes - ?', [n]), heldTonnes: raw('held_tonnes + ?', [n]) },
      );
      if (released !== 1)
        throw new Error(
          `Ledger of credit ${request.creditId} is inconsistent: reservation of request ${requestId} missing`,
        );
      const blocks = await takeBlocks(em, request.creditId, { requestId, status: 'RESERVED' }, request.amountTonnes);
      Object.assign(request, { state, reviewedBy: viewer.id, updatedAt: now });
      if (decision === 'REJECTED') {
        for (const b of blocks) Object.assign(b, { status: 'HELD', requestId: null });
        return request;
      }
      const credit = (await em.findOne(Credit, { id: request.creditId }))!;
      const txId = newTxId();
      const retirement = await applyAction(
        em,
        credit,
        blocks,
        {
          action: request.action,
          organizationId,
          toOrganizationId: request.toOrganizationId ?? null,
          toAddress: request.toAddress ?? null,
          amount: request.amountTonnes,
          retirement:
            request.retirementReason && request.beneficiaryName
              ? {
                  reason: request.retirementReason,
                  beneficiaryName: request.beneficiaryName,
                  comment: request.retirementComment ?? '',
                  offsetOrderId: request.offsetOrderId ?? null,
                }
              : null,
        },
        txId,
      );
      Object.assign(request, { txId, retirementId: retirement?.id ?? null });
      return request;
    });
    return (await this.reads.requestRecords([row]))[0]!;
  }
}
