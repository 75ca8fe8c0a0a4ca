// Rules of the credit ledger shared by both adapters: input validation of credit actions (so
// both modes refuse the same input with the same user errors before anything is written), the
// messages of balance failures, and how serial ranges are written.
import { createHash } from 'node:crypto';
import { DomainError, ValidationErrors, inputError, type UserError } from '../../lib/errors.ts';
import type { Decimal } from '../../lib/decimal.ts';
import type { CreditAction, CreditActionCommand, OffsetRetirementCommand } from './source.ts';
import { IDEMPOTENCY_KEY_RULE, idempotencyKeyOf } from '../../lib/idempotency-key.ts';

export const TRANSFERS: readonly CreditAction[] = ['TRANSFER', 'TRANSFER_RETIRE'];
export const RETIREMENTS: readonly CreditAction[] = ['RETIRE', 'TRANSFER_RETIRE'];
/** Largest amount one action may move: far above any issuance, and safe for 64-bit columns. */
export const MAX_TONNES = 1_000_000_000_000n;
const ADDRESS = /^0x[0-9a-fA-F]{1,64}$/;

export interface CreditActionInput {
  organizationId: string;
  /** `UNKNOWN` is an output value only (an action the upstream answered that the layer does not know). */
  action: CreditAction | 'UNKNOWN';
  creditId: string;
  amount: Decimal;
  toOrganizationId?: string | null;
  toAddress?: string | null;
  retirement?: {
    reason?: string | null;
    beneficiaryName?: string | null;
    comment?: string | null;
    offsetOrderId?: string | null;
  } | null;
  idempotencyKey?: string | null;
}

const blank = (v: string | null | undefined) => v == null || v.trim() === '';

/** Checks a credit action before anything is written; every problem is reported at once. */
export function validateCreditAction(input: CreditActionInput): CreditActionCommand {
  const errors: UserError[] = [];
  if (input.action === 'UNKNOWN')
    throw new ValidationErrors([
      inputError('action', 'INVALID', 'UNKNOWN is not an action: give TRANSFER, RETIRE, TRANSFER_RETIRE or CANCEL'),
    ]);
  const action = input.action;
  const transfer = TRANSFERS.includes(action);
  const retire = RETIREMENTS.includes(action);

  if (blank(input.creditId)) errors.push(inputError('creditId', 'REQUIRED', 'Give the id of the credit'));
  let amount = 0n;
  if (!input.amount.isInteger())
    errors.push(
      inputError('amount', 'INVALID', 'Amount must be a whole number of tonnes: every tonne has one serial number'),
    );
  else if (input.amount.lte(0)) errors.push(inputError('amount', 'INVALID', 'Amount must be more than zero'));
  else if (input.amount.gt(MAX_TONNES.toString()))
    errors.push(inputError('amount', 'INSUFFICIENT_BALANCE', insufficientBalance(input.amount.toFixed(0))));
  else amount = BigInt(input.amount.toFixed(0));

  const toOrg = blank(input.toOrganizationId) ? null : input.toOrganizationId!.trim();
  const toAddress = blank(input.toAddress) ? null : input.toAddress!.trim();
  if (transfer) {
    if (toOrg && toAddress)
      errors.push(inputError('toAddress', 'INVALID', 'Give either toOrganizationId or toAddress, not both'));
    if (!toOrg && !toAddress)
      errors.push(inputError('toOrganizationId', 'REQUIRED', 'A transfer needs toOrganizationId or toAddress'));
    if (toAddress && !ADDRESS.test(toAddress))
      errors.push(inputError('toAddress', 'INVALID', 'toAddress must be a 0x-prefixed hexadecimal address'));
    if (toOrg && toOrg === input.organizationId)
      errors.push(inputError('toOrganizationId', 'INVALID', 'An organization cannot transfer credits to itself'));
  } else if (toOrg || toAddress) {
    errors.push(
      inputError(
        toOrg ? 'toOrganizationId' : 'toAddress',
        'INVALID',
        `${action} has no destination; give no toOrganizationId or toAddress`,
      ),
    );
  }

  const r = input.retirement;
  let retirement: CreditActionCommand['retirement'] = null;
  if (retire) {
    if (!r)
      errors.push(
        inputError(
          'retirement',
          'REQUIRED',
          'A retirement needs retirement data: reason and beneficiaryName (comment is optional)',
        ),
      );
    else {
      if (blank(r.reason)) errors.push(inputError('retirement.reason', 'REQUIRED', 'A retirement needs a reason'));
      if (blank(r.beneficiaryName))
        errors.push(inputError('retirement.beneficiaryName', 'REQUIRED', 'A retirement needs a beneficiary name'));
      // The ICR document's `retirementData` does not require a comment.
      if (!blank(r.reason) && !blank(r.beneficiaryName)) {
        retirement = {
          reason: r.reason!.trim(),
          beneficiaryName: r.beneficiaryName!.trim(),
          comment: blank(r.comment) ? null : r.comment!.trim(),
          offsetOrderId: blank(r.offsetOrderId) ? null : r.offsetOrderId!.trim(),
        };
      }
    }
  } else if (r) {
    errors.push(inputError('retirement', 'INVALID', `${action} takes no retirement data`));
  }

  const idempotencyKey = input.idempotencyKey == null ? null : idempotencyKeyOf(input.idempotencyKey);
  if (input.idempotencyKey != null && idempotencyKey === null)
    errors.push(inputError('idempotencyKey', 'INVALID', IDEMPOTENCY_KEY_RULE));

  if (errors.length) throw new ValidationErrors(errors);
  return {
    organizationId: input.organizationId,
    action,
    creditId: input.creditId.trim(),
    amount,
    toOrganizationId: toOrg,
    toAddress,
    retirement,
    idempotencyKey,
  };
}

export const insufficientBalance = (amount: string | bigint) => `Not enough tonnes available for ${amount} t`;
export const unknownCredit = (creditId: string) => `Credit ${creditId} is not in the organization's inventory`;
export const unknownOrganization = (id: string) => `Organization ${id} does not exist`;

export const insufficientBalanceError = (amount: bigint) =>
  new DomainError('INSUFFICIENT_BALANCE', insufficientBalance(amount), 'input.amount');
export const unknownCreditError = (creditId: string) =>
  new DomainError('NOT_FOUND', unknownCredit(creditId), 'input.creditId');
export const unknownOrganizationError = (id: string, field = 'input.toOrganizationId') =>
  new DomainError('NOT_FOUND', unknownOrganization(id), field);
export const alreadyReviewedError = (requestId: string) =>
  new DomainError('CONFLICT', `Credit request ${requestId} has already been reviewed`, 'input.requestId');
export const idempotencyMismatchError = () =>
  new DomainError(
    'IDEMPOTENCY_MISMATCH',
    'This idempotency key was already used for a different request',
    'input.idempotencyKey',
  );

/** What an idempotency key stands for: the kind of mutation and its input, without the key. */
export function fingerprint(kind: 'TRANSACT' | 'REQUEST', cmd: CreditActionCommand): string {
  const { idempotencyKey: _key, ...rest } = cmd;
  return createHash('sha256')
    .update(JSON.stringify({ kind, ...rest, amount: rest.amount.toString() }))
    .digest('hex');
}

export const unknownRequestError = (requestId: string) =>
  new DomainError('NOT_FOUND', `Credit request ${requestId} does not exist`, 'input.requestId');

/** `ICR-SWE-713-2021-41-100`: the credit's serial prefix and the first and last serial of a range. */
export function serialization(prefix: string, start: bigint, end: bigint): string {
  return `${prefix}-${start}-${end}`;
}

/** The serialization of several ranges of one credit. */
export function joinSerializations(parts: string[]): string | null {
  return parts.length ? parts.join(', ') : null;
}

export interface OffsetRetirementInput {
  offsetOrderId: string;
  projectId: string;
  tonnes: number;
  beneficiaryName: string;
  reason?: string | null;
  idempotencyKey: string;
}

export const DEFAULT_OFFSET_RETIREMENT_REASON = 'Carbon offsetting';

/**
 * The comment every retirement of an offset retirement carries. It names the key and the tonnes
 * asked for, so the registry's own retirement list tells which retirements a key already made.
 */
export const offsetRetirementComment = (offsetOrderId: string, tonnes: bigint, idempotencyKey: string) =>
  `Offset order ${offsetOrderId}: ${tonnes} t (key ${idempotencyKey})`;

/** Checks a retirement for an offset order before anything is written. */
export function validateOffsetRetirement(input: OffsetRetirementInput): OffsetRetirementCommand {
  const errors: UserError[] = [];
  if (blank(input.offsetOrderId))
    errors.push(inputError('offsetOrderId', 'REQUIRED', 'Give the id of the offset order'));
  if (blank(input.projectId))
    errors.push(inputError('projectId', 'REQUIRED', 'Give the id of the project to retire from'));
  if (!Number.isInteger(input.tonnes) || input.tonnes < 1)
    errors.push(inputError('tonnes', 'INVALID', 'Tonnes must be a whole number of at least 1'));
  if (blank(input.beneficiaryName))
    errors.push(inputError('beneficiaryName', 'REQUIRED', 'A retirement needs a beneficiary name'));
  const key = idempotencyKeyOf(input.idempotencyKey) ?? '';
  if (key === '') errors.push(inputError('idempotencyKey', 'INVALID', IDEMPOTENCY_KEY_RULE));
  if (errors.length) throw new ValidationErrors(errors);
  const offsetOrderId = input.offsetOrderId.trim();
  const tonnes = BigInt(input.tonnes);
  return {
    offsetOrderId,
    projectId: input.projectId.trim(),
    tonnes,
    beneficiaryName: input.beneficiaryName.trim(),
    reason: blank(input.reason) ? DEFAULT_OFFSET_RETIREMENT_REASON : input.reason!.trim(),
    comment: offsetRetirementComment(offsetOrderId, tonnes, key),
    idempotencyKey: key,
  };
}

/** What an offset retirement key stands for: its input, without the key. */
export function offsetRetirementFingerprint(cmd: OffsetRetirementCommand): string {
  const { offsetOrderId, projectId, tonnes, beneficiaryName, reason } = cmd;
  return createHash('sha256')
    .update(
      JSON.stringify({
        kind: 'OFFSET_RETIREMENT',
        offsetOrderId,
        projectId,
        tonnes: tonnes.toString(),
        beneficiaryName,
        reason,
      }),
    )
    .digest('hex');
}

export const noOffsetCreditsError = (projectId: string) =>
  new DomainError('NOT_FOUND', `The offset inventory holds no credits of project ${projectId}`, 'input.projectId');
export const notEnoughOffsetCreditsError = (tonnes: bigint, available: bigint | null) =>
  new DomainError(
    'INSUFFICIENT_BALANCE',
    `The offset inventory holds ${available === null ? 'too few tonnes' : `${available} t`} of the project, not enough for ${tonnes} t`,
    'input.tonnes',
  );
