// Verified tokens are kept until they expire: a caller's next request skips the signature check,
// and the answer stays the one verifying would give (expired, another secret, bounded in number).
import { describe, expect, it } from '@jest/globals';
import { TokenError, VERIFIED_TOKENS_MAX, signToken, verifiedTokenCount, verifyToken } from '../../lib/auth.ts';

const SECRET = 'verified-tokens-test-secret-0123456789abcdefghijklmnop';
const user = (n: number) => ({
  id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
  email: `caller-${n}@buyer.example`,
  role: 'USER' as const,
});

/** Counts WebCrypto calls (jose verifies HS256 with them) while `run` runs. */
async function cryptoCalls(run: () => Promise<unknown>): Promise<number> {
  const subtle = globalThis.crypto.subtle as unknown as Record<string, (...args: unknown[]) => unknown>;
  const names = ['verify', 'sign', 'importKey'];
  const originals = names.map((n) => subtle[n]!);
  let calls = 0;
  names.forEach((n, i) => {
    subtle[n] = (...args: unknown[]) => {
      calls++;
      return originals[i]!.apply(globalThis.crypto.subtle, args);
    };
  });
  try {
    await run();
  } finally {
    for (const n of names) delete subtle[n];
    expect(subtle.verify).toBe(originals[0]);
  }
  return calls;
}

describe('verified tokens', () => {
  it('checks a token signature once, then answers the same caller from memory', async () => {
    const { token } = await signToken(user(1), SECRET, 60);
    let first: unknown;
    expect(await cryptoCalls(async () => (first = await verifyToken(token, SECRET)))).toBeGreaterThan(0);
    let second: unknown;
    expect(await cryptoCalls(async () => (second = await verifyToken(token, SECRET)))).toBe(0);
    expect(second).toEqual(first);
    expect(Object.isFrozen(second)).toBe(true);
  });

  it('refuses a remembered token once it has expired', async () => {
    const { token } = await signToken(user(2), SECRET, 1);
    await verifyToken(token, SECRET);
    await new Promise((r) => setTimeout(r, 1100));
    await expect(verifyToken(token, SECRET)).rejects.toThrow(new TokenError('Token has expired'));
  });

  it('refuses a remembered token under another secret', async () => {
    const { token } = await signToken(user(3), SECRET, 60);
    await verifyToken(token, SECRET);
    await expect(verifyToken(token, `${SECRET}-other`)).rejects.toThrow(new TokenError('Token is invalid'));
  });

  it('keeps at most VERIFIED_TOKENS_MAX tokens', async () => {
    const tokens = await Promise.all(
      Array.from({ length: VERIFIED_TOKENS_MAX + 20 }, (_v, i) => signToken(user(100 + i), SECRET, 60)),
    );
    for (const { token } of tokens) await verifyToken(token, SECRET);
    expect(verifiedTokenCount()).toBe(VERIFIED_TOKENS_MAX);
    // The oldest was dropped: verifying it again checks its signature again.
    expect(await cryptoCalls(() => verifyToken(tokens[0]!.token, SECRET))).toBeGreaterThan(0);
  });
});
