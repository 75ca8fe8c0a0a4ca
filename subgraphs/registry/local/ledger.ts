// The local credit ledger's primitives, shared by its writes (credit actions, reviews, offset
// retirements): every write takes tonnes from a guarded balance row and the matching serial blocks
// in one transaction, so every tonne keeps exactly one serial number and one holder.
import { randomBytes, randomUUID } from 'node:crypto';
import { raw, type FilterQuery } from '@mikro-orm/core';
import type { EntityManager } from '../../../lib/db.ts';
import {
  insufficientBalanceError,
  joinSerializations,
  unknownCreditError,
  unknownOrganizationError,
} from '../rules.ts';
import type { CreditActionCommand } from '../source.ts';
import { Balance, Credit, CreditRequest, Organization, Retirement, SerialBlock, type BlockStatus } from './entities.ts';
import { toRecord } from './mapping.ts';

/** A new ledger transaction id, in the ICR's form. */
export const newTxId = () => `0x${randomBytes(32).toString('hex')}`;

// Lock order, the same in every transaction that writes the ledger (two transactions taking the
// same rows in opposite orders deadlock on PostgreSQL):
//   1. the idempotency key row (its unique index),
//   2. balance rows: by credit (oldest vintage, then id), then by organization id,
//   3. serial blocks and credit request rows, only after the balances that guard them.
// A review therefore locks its balances before it claims the pending request.

/** Checks that the credit and the receiving organization exist before anything is written. */
export async function prepareAction(em: EntityManager, cmd: CreditActionCommand): Promise<Credit> {
  const credit = await em.findOne(Credit, { id: cmd.creditId });
  if (!credit) throw unknownCreditError(cmd.creditId);
  if (cmd.toOrganizationId && !(await em.findOne(Organization, { id: cmd.toOrganizationId })))
    throw unknownOrganizationError(cmd.toOrganizationId);
  return credit;
}

/**
 * Moves `amount` tonnes out of the organization's free balance in one conditional update: the
 * row lock it takes also serialises the serial-block split that follows.
 */
export async function debitFree(
  em: EntityManager,
  creditId: string,
  organizationId: string,
  amount: bigint,
  reserve: boolean,
): Promise<void> {
  const n = Number(amount);
  const changed = await em.nativeUpdate(
    Balance,
    { creditId, organizationId, heldTonnes: { $gte: amount } },
    reserve
      ? { heldTonnes: raw('held_tonnes - ?', [n]), reservedTonnes: raw('reserved_tonnes + ?', [n]) }
      : { heldTonnes: raw('held_tonnes - ?', [n]) },
  );
  if (changed === 1) return;
  const exists = await em.count(Balance, { creditId, organizationId });
  throw exists ? insufficientBalanceError(amount) : unknownCreditError(creditId);
}

/** An organization's balance row of a credit, created empty when it has none yet. */
async function ensureBalanceRow(em: EntityManager, creditId: string, organizationId: string): Promise<void> {
  await em
    .createQueryBuilder(Balance)
    .insert({ id: randomUUID(), creditId, organizationId, heldTonnes: 0n, reservedTonnes: 0n })
    .onConflict(['creditId', 'organizationId'])
    .ignore()
    .execute();
}

/**
 * A transfer between organizations touches two balance rows; taking their row locks in one
 * order (by organization id) keeps transfers crossing in opposite directions from deadlocking.
 */
export async function lockBalancesInOrder(
  em: EntityManager,
  creditId: string,
  organizationIds: string[],
): Promise<void> {
  for (const organizationId of [...organizationIds].sort()) {
    await ensureBalanceRow(em, creditId, organizationId);
    await em.nativeUpdate(Balance, { creditId, organizationId }, { heldTonnes: raw('held_tonnes') });
  }
}

/** Adds free tonnes to a receiving organization, creating its balance row on first receipt. */
export async function creditFree(
  em: EntityManager,
  creditId: string,
  organizationId: string,
  amount: bigint,
): Promise<void> {
  await ensureBalanceRow(em, creditId, organizationId);
  await em.nativeUpdate(
    Balance,
    { creditId, organizationId },
    { heldTonnes: raw('held_tonnes + ?', [Number(amount)]) },
  );
}

/**
 * Takes `amount` tonnes from the organization's blocks in `status`, lowest serials first,
 * splitting the last block so that every tonne keeps exactly one serial and one holder.
 */
export async function takeBlocks(
  em: EntityManager,
  creditId: string,
  where: FilterQuery<SerialBlock>,
  amount: bigint,
): Promise<SerialBlock[]> {
  const blocks = await em.find(SerialBlock, { creditId, ...(where as object) }, { orderBy: { serialStart: 'ASC' } });
  const taken: SerialBlock[] = [];
  let remaining = amount;
  for (const b of blocks) {
    if (remaining === 0n) break;
    const size = b.serialEnd - b.serialStart + 1n;
    if (size <= remaining) {
      taken.push(b);
      remaining -= size;
    } else {
      const part = em.create(SerialBlock, {
        id: randomUUID(),
        creditId,
        serialStart: b.serialStart,
        serialEnd: b.serialStart + remaining - 1n,
        status: b.status,
        organizationId: b.organizationId ?? null,
        holderAddress: b.holderAddress ?? null,
        requestId: b.requestId ?? null,
        retirementId: b.retirementId ?? null,
      });
      b.serialStart += remaining;
      taken.push(part);
      remaining = 0n;
    }
  }
  // The balance row said the tonnes were there: blocks disagreeing is a broken ledger.
  if (remaining !== 0n)
    throw new Error(`Ledger of credit ${creditId} is inconsistent: ${remaining} t missing from serial blocks`);
  return taken;
}

/** Applies an action to blocks already taken from the sender; returns the retirement, if any. */
export async function applyAction(
  em: EntityManager,
  credit: Credit,
  blocks: SerialBlock[],
  cmd: Pick<
    CreditActionCommand,
    'action' | 'organizationId' | 'toOrganizationId' | 'toAddress' | 'amount' | 'retirement'
  >,
  txId: string,
): Promise<Retirement | null> {
  const set = (
    status: BlockStatus,
    organizationId: string | null,
    holderAddress: string | null,
    retirementId: string | null,
  ) => {
    for (const b of blocks) Object.assign(b, { status, organizationId, holderAddress, retirementId, requestId: null });
  };
  let retirement: Retirement | null = null;
  if (cmd.retirement) {
    retirement = em.create(Retirement, {
      id: randomUUID(),
      registry: 'ICR',
      offsetOrderId: cmd.retirement.offsetOrderId,
      beneficiaryName: cmd.retirement.beneficiaryName,
      reason: cmd.retirement.reason,
      comment: cmd.retirement.comment,
      amountTonnes: cmd.amount,
      vintage: credit.vintage,
      serialization: serializationOf(credit, blocks),
      creditId: credit.id,
      projectId: credit.projectId,
      organizationId: cmd.action === 'TRANSFER_RETIRE' ? cmd.toOrganizationId : cmd.organizationId,
      txId,
      retiredAt: new Date(),
    });
  }
  switch (cmd.action) {
    case 'TRANSFER':
      set('HELD', cmd.toOrganizationId, cmd.toAddress, null);
      if (cmd.toOrganizationId) await creditFree(em, credit.id, cmd.toOrganizationId, cmd.amount);
      break;
    case 'RETIRE':
      set('RETIRED', cmd.organizationId, null, retirement!.id);
      break;
    case 'TRANSFER_RETIRE':
      set('RETIRED', cmd.toOrganizationId, cmd.toAddress, retirement!.id);
      break;
    case 'CANCEL':
      set('CANCELLED', cmd.organizationId, null, null);
      break;
  }
  return retirement;
}

/** The serial ranges of taken blocks, written as one serialization. */
export function serializationOf(credit: Credit, blocks: SerialBlock[]) {
  return joinSerializations(toRecord.ranges(credit, blocks).map((r) => r.serialization));
}

/** Sums of one credit's ledger, for the invariant issued = held + reserved + retired + cancelled. */
export async function ledgerTotals(em: EntityManager, creditId: string) {
  const credit = await em.findOneOrFail(Credit, { id: creditId });
  const blocks = await em.find(SerialBlock, { creditId });
  const balances = await em.find(Balance, { creditId });
  const sum = (status: BlockStatus) =>
    blocks.filter((b) => b.status === status).reduce((s, b) => s + b.serialEnd - b.serialStart + 1n, 0n);
  const serials = [...blocks].sort((a, b) => (a.serialStart < b.serialStart ? -1 : 1));
  let contiguous = true;
  let next = credit.serialFirst;
  for (const b of serials) {
    if (b.serialStart !== next || b.serialEnd < b.serialStart) contiguous = false;
    next = b.serialEnd + 1n;
  }
  return {
    issued: credit.supplyTonnes,
    held: sum('HELD'),
    reserved: sum('RESERVED'),
    retired: sum('RETIRED'),
    cancelled: sum('CANCELLED'),
    /** Every serial from the first to the last issued is in exactly one block. */
    serialsUnique: contiguous && next === credit.serialFirst + credit.supplyTonnes,
    /** Balance rows agree with the blocks and none is negative. */
    balancesMatch: balances.every(
      (bal) =>
        bal.heldTonnes >= 0n &&
        bal.reservedTonnes >= 0n &&
        bal.heldTonnes ===
          blocks
            .filter((b) => b.status === 'HELD' && b.organizationId === bal.organizationId)
            .reduce((s, b) => s + b.serialEnd - b.serialStart + 1n, 0n) &&
        bal.reservedTonnes ===
          blocks
            .filter((b) => b.status === 'RESERVED' && b.organizationId === bal.organizationId)
            .reduce((s, b) => s + b.serialEnd - b.serialStart + 1n, 0n),
    ),
  };
}

/** A credit request row as recorded for a command: processed at once or pending review. */
export function creditRequestRow(
  id: string,
  cmd: CreditActionCommand,
  requestedBy: string,
  outcome: {
    state: 'PROCESSED' | 'PENDING';
    creditId: string;
    serialization: string | null;
    txId: string | null;
    retirementId: string | null;
  },
) {
  const now = new Date();
  return {
    id,
    organizationId: cmd.organizationId,
    action: cmd.action,
    amountTonnes: cmd.amount,
    toOrganizationId: cmd.toOrganizationId,
    toAddress: cmd.toAddress,
    retirementReason: cmd.retirement?.reason ?? null,
    retirementComment: cmd.retirement?.comment ?? null,
    beneficiaryName: cmd.retirement?.beneficiaryName ?? null,
    offsetOrderId: cmd.retirement?.offsetOrderId ?? null,
    requestedBy,
    reviewedBy: null,
    createdAt: now,
    updatedAt: now,
    ...outcome,
  };
}

/** Takes `amount` free tonnes of an organization: its balance debited (or moved to reserved) and its held blocks taken. */
export async function takeHeld(
  em: EntityManager,
  credit: Credit,
  organizationId: string,
  amount: bigint,
  reserve: boolean,
): Promise<SerialBlock[]> {
  await debitFree(em, credit.id, organizationId, amount, reserve);
  return takeBlocks(em, credit.id, { organizationId, status: 'HELD' }, amount);
}

/**
 * Carries out an action at once from the organization's free tonnes: the blocks move, and the
 * request is recorded as processed with its transaction id. Returns the request and the retirement, if any.
 */
export async function processAtOnce(
  em: EntityManager,
  credit: Credit,
  cmd: CreditActionCommand,
  requestId: string,
  requestedBy: string,
): Promise<{ request: CreditRequest; retirement: Retirement | null }> {
  const blocks = await takeHeld(em, credit, cmd.organizationId, cmd.amount, false);
  const txId = newTxId();
  const serialization = serializationOf(credit, blocks);
  const retirement = await applyAction(em, credit, blocks, cmd, txId);
  const request = em.create(
    CreditRequest,
    creditRequestRow(requestId, cmd, requestedBy, {
      state: 'PROCESSED',
      creditId: credit.id,
      serialization,
      txId,
      retirementId: retirement?.id ?? null,
    }),
  );
  return { request, retirement };
}
