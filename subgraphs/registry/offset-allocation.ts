// Which credits an offset retirement draws from, one rule for both adapters: the project's credits
// in the offset inventory, oldest vintage first (then by credit id), each giving the whole tonnes
// it holds until the order's tonnes are covered.
import { noOffsetCreditsError, notEnoughOffsetCreditsError } from './rules.ts';
import type { CreditActionCommand, OffsetRetirementCommand } from './source.ts';

/** Credits in the order an offset retirement draws from them: oldest vintage first, then by id. */
export function oldestVintageFirst<C extends { id: string; vintage: number | null }>(credits: readonly C[]): C[] {
  return [...credits].sort((a, b) => (a.vintage ?? 0) - (b.vintage ?? 0) || a.id.localeCompare(b.id));
}

/**
 * The tonnes each credit gives to retire what an offset order still lacks: `cmd.tonnes` less the
 * `done` tonnes already retired under its key, `freeOf` a credit's whole free tonnes.
 * NO_OFFSET_CREDITS when the project has nothing to give and nothing was retired yet, NOT_ENOUGH
 * when its credits hold fewer tonnes than are lacking.
 */
export function allocateOffsetTonnes<C extends { id: string; vintage: number | null }>(
  cmd: Pick<OffsetRetirementCommand, 'projectId' | 'tonnes'>,
  credits: readonly C[],
  freeOf: (credit: C) => bigint,
  done = 0n,
): { credit: C; amount: bigint }[] {
  const ordered = oldestVintageFirst(credits);
  const available = ordered.reduce((sum, c) => sum + freeOf(c), 0n);
  const remaining = cmd.tonnes - done;
  if (available === 0n && done === 0n) throw noOffsetCreditsError(cmd.projectId);
  if (available < remaining) throw notEnoughOffsetCreditsError(cmd.tonnes, available + done);
  const plan: { credit: C; amount: bigint }[] = [];
  let left = remaining;
  for (const credit of ordered) {
    if (left === 0n) break;
    const free = freeOf(credit);
    const amount = free < left ? free : left;
    if (amount === 0n) continue;
    left -= amount;
    plan.push({ credit, amount });
  }
  return plan;
}

/** The RETIRE action that takes `amount` tonnes of one credit for an offset order. */
export function offsetRetireAction(
  organizationId: string,
  creditId: string,
  amount: bigint,
  cmd: OffsetRetirementCommand,
): CreditActionCommand {
  return {
    organizationId,
    action: 'RETIRE',
    creditId,
    amount,
    toOrganizationId: null,
    toAddress: null,
    retirement: {
      reason: cmd.reason,
      beneficiaryName: cmd.beneficiaryName,
      comment: cmd.comment,
      offsetOrderId: cmd.offsetOrderId,
    },
    idempotencyKey: null,
  };
}
