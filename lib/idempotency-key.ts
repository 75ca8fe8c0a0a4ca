// One rule for a caller's idempotency key, in every subgraph and both modes: 1 to 200 printable
// ASCII characters without spaces (what every upstream takes as a key, and what a log can show
// safely); spaces around it are dropped. Each subgraph reports a problem in its own user-error shape.

export const IDEMPOTENCY_KEY_MAX = 200;

export const IDEMPOTENCY_KEY_RULE = `An idempotency key is 1 to ${IDEMPOTENCY_KEY_MAX} printable ASCII characters without spaces`;

const PRINTABLE_WITHOUT_SPACES = /^[\x21-\x7e]+$/;

/** The key as the layer keeps it (spaces around it dropped), or null when it breaks the rule. */
export function idempotencyKeyOf(given: string): string | null {
  const key = given.trim();
  return key.length <= IDEMPOTENCY_KEY_MAX && PRINTABLE_WITHOUT_SPACES.test(key) ? key : null;
}
