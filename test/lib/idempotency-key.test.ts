import { describe, expect, it } from '@jest/globals';
import { IDEMPOTENCY_KEY_MAX, idempotencyKeyOf } from '../../lib/idempotency-key.ts';

describe('the idempotency key rule, one for every subgraph', () => {
  it('keeps 1 to 200 printable ASCII characters without spaces, with spaces around them dropped', () => {
    expect(idempotencyKeyOf('cart-42')).toBe('cart-42');
    expect(idempotencyKeyOf('  oat-drink-2025 ')).toBe('oat-drink-2025');
    expect(idempotencyKeyOf('k'.repeat(IDEMPOTENCY_KEY_MAX))).toBe('k'.repeat(IDEMPOTENCY_KEY_MAX));
  });

  it('refuses an empty key, a space inside, a control or non-ASCII character and a key over 200', () => {
    for (const bad of ['', '   ', 'has spaces', 'tab\there', 'nul\u0000', 'café', 'k'.repeat(IDEMPOTENCY_KEY_MAX + 1)])
      expect(idempotencyKeyOf(bad)).toBeNull();
  });
});
