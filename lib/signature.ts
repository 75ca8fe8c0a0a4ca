// Request signatures from the gateway to the subgraphs: HTTP Message Signatures (RFC 9421) with
// `hmac-sha256`, over the method, the path, the body's Content-Digest (RFC 9530) and the caller's
// Authorization, with a creation time, a short expiry and a nonce. A signature proves the request
// came from the gateway as it is: another body, another caller or another path breaks it; a copy
// is refused once its nonce was seen or its window closed. Keys have ids so two are accepted at once
// while the gateway moves to a new one; secrets are never logged.
import { createHash, createHmac, createSecretKey, randomFillSync, timingSafeEqual, type KeyObject } from 'node:crypto';

/** One signing key: its id (sent as `keyid`) and secret. */
export interface SigningKey {
  id: string;
  secret: string;
}

/** The label of the gateway's signature in `Signature-Input` and `Signature`. */
const LABEL = 'gateway';
const TAG = 'carbon-federation';
const ALG = 'hmac-sha256';

/** How long a signature is valid after it was made, unless configured otherwise. */
export const SIGNATURE_WINDOW_SECONDS = 30;
/** Clock difference tolerated between the gateway and a subgraph. */
const SKEW_SECONDS = 5;

export const SIGNATURE_HEADERS = ['signature', 'signature-input', 'content-digest'] as const;

export function contentDigest(body: string | Uint8Array): string {
  return `sha-256=:${createHash('sha256').update(body).digest('base64')}:`;
}

interface Signed {
  method: string;
  path: string;
  digest: string;
  authorization: string | null;
}

/** The covered components, in order: the caller's Authorization only when the request has one. */
const componentsOf = (authorization: string | null) =>
  authorization === null
    ? ['@method', '@path', 'content-digest']
    : ['@method', '@path', 'content-digest', 'authorization'];

/** RFC 9421 §2.5: one line per covered component, then the signature parameters. */
function signatureBase(request: Signed, params: string): string {
  const values: Record<string, string> = {
    '@method': request.method.toUpperCase(),
    '@path': request.path,
    'content-digest': request.digest,
    authorization: request.authorization ?? '',
  };
  const lines = componentsOf(request.authorization).map((c) => `"${c}": ${values[c]}`);
  lines.push(`"@signature-params": ${params}`);
  return lines.join('\n');
}

/** HMAC keys by secret, imported once (a gateway signs every subgraph request with one key). */
const hmacKeys = new Map<string, KeyObject>();
function mac(secret: string, base: string): Buffer {
  let key = hmacKeys.get(secret);
  if (!key) {
    if (hmacKeys.size >= 16) hmacKeys.clear();
    hmacKeys.set(secret, (key = createSecretKey(Buffer.from(secret, 'utf8'))));
  }
  return createHmac('sha256', key).update(base).digest();
}

/** Random bytes drawn in blocks (one system call per 256 nonces rather than one each). */
const NONCE_BYTES = 16;
const noncePool = Buffer.alloc(NONCE_BYTES * 256);
let nonceOffset = noncePool.length;
function nonce(): string {
  if (nonceOffset >= noncePool.length) {
    randomFillSync(noncePool);
    nonceOffset = 0;
  }
  const text = noncePool.toString('base64url', nonceOffset, nonceOffset + NONCE_BYTES);
  nonceOffset += NONCE_BYTES;
  return text;
}

/**
 * The headers that sign a request: `Content-Digest`, `Signature-Input` and `Signature`. `path` is
 * the request target's path (with its query, if any).
 */
export function signRequest(
  key: SigningKey,
  request: { method: string; path: string; body: string | Uint8Array; authorization?: string | null },
  opts: { now?: number; windowSeconds?: number } = {},
): Record<(typeof SIGNATURE_HEADERS)[number], string> {
  const created = Math.floor((opts.now ?? Date.now()) / 1000);
  const expires = created + (opts.windowSeconds ?? SIGNATURE_WINDOW_SECONDS);
  const signed: Signed = {
    method: request.method,
    path: request.path,
    digest: contentDigest(request.body),
    authorization: request.authorization ?? null,
  };
  const params = `(${componentsOf(signed.authorization)
    .map((c) => `"${c}"`)
    .join(' ')});created=${created};expires=${expires};nonce="${nonce()}";keyid="${key.id}";alg="${ALG}";tag="${TAG}"`;
  return {
    'content-digest': signed.digest,
    'signature-input': `${LABEL}=${params}`,
    signature: `${LABEL}=:${mac(key.secret, signatureBase(signed, params)).toString('base64')}:`,
  };
}

export type SignatureCheck =
  | { ok: true; keyId: string }
  | {
      ok: false;
      reason: 'missing' | 'malformed' | 'unknown key' | 'expired' | 'replayed' | 'digest mismatch' | 'bad signature';
    };

const PARAMS =
  /^\(((?:"[a-z@-]+"(?: "[a-z@-]+")*)?)\);created=(\d+);expires=(\d+);nonce="([A-Za-z0-9_-]{16,64})";keyid="([^"\\]{1,64})";alg="([a-z0-9-]+)";tag="([^"\\]{1,64})"$/;

/**
 * Checks signatures made by `signRequest` with one of `keys`. Each nonce is accepted once while its
 * signature is valid: the verifier remembers the nonces of that window (bounded).
 */
export function signatureVerifier(
  keys: readonly SigningKey[],
  opts: { maxNonces?: number; windowSeconds?: number } = {},
) {
  const byId = new Map(keys.map((k) => [k.id, k]));
  const maxNonces = opts.maxNonces ?? 200_000;
  const window = opts.windowSeconds ?? SIGNATURE_WINDOW_SECONDS;
  /** Nonces seen, with when their signature expires (seconds); in arrival order. */
  const seen = new Map<string, number>();

  const forget = (now: number) => {
    for (const [nonce, expires] of seen) {
      if (expires + SKEW_SECONDS >= now && seen.size <= maxNonces) break;
      seen.delete(nonce);
    }
  };

  return function verify(
    request: {
      method: string;
      path: string;
      body: string | Uint8Array;
      authorization?: string | null;
      headers: Record<string, string | string[] | undefined>;
    },
    nowMs = Date.now(),
  ): SignatureCheck {
    const header = (name: string) => {
      const v = request.headers[name];
      return typeof v === 'string' ? v : undefined;
    };
    const input = header('signature-input');
    const signature = header('signature');
    const digest = header('content-digest');
    if (!input && !signature) return { ok: false, reason: 'missing' };
    if (!input?.startsWith(`${LABEL}=`) || !signature?.startsWith(`${LABEL}=:`) || !signature.endsWith(':') || !digest)
      return { ok: false, reason: 'malformed' };
    const params = input.slice(LABEL.length + 1);
    const m = PARAMS.exec(params);
    if (!m || m[6] !== ALG || m[7] !== TAG) return { ok: false, reason: 'malformed' };
    const [, covered, createdText, expiresText, nonce, keyId] = m as unknown as [
      string,
      string,
      string,
      string,
      string,
      string,
    ];
    const authorization = request.authorization ?? null;
    if (
      covered !==
      componentsOf(authorization)
        .map((c) => `"${c}"`)
        .join(' ')
    )
      return { ok: false, reason: 'malformed' };
    const key = byId.get(keyId);
    if (!key) return { ok: false, reason: 'unknown key' };
    const now = Math.floor(nowMs / 1000);
    const created = Number(createdText);
    const expires = Number(expiresText);
    if (
      created > now + SKEW_SECONDS ||
      expires < now - SKEW_SECONDS ||
      expires - created > window ||
      expires <= created
    )
      return { ok: false, reason: 'expired' };
    if (digest !== contentDigest(request.body)) return { ok: false, reason: 'digest mismatch' };
    const expected = mac(
      key.secret,
      signatureBase({ method: request.method, path: request.path, digest, authorization }, params),
    );
    const given = Buffer.from(signature.slice(LABEL.length + 2, -1), 'base64');
    if (given.length !== expected.length || !timingSafeEqual(given, expected))
      return { ok: false, reason: 'bad signature' };
    forget(now);
    if (seen.has(nonce)) return { ok: false, reason: 'replayed' };
    seen.set(nonce, expires);
    return { ok: true, keyId };
  };
}

export type SignatureVerifier = ReturnType<typeof signatureVerifier>;

/** `kid:secret,kid:secret` (the first signs; all are accepted). */
export function parseSigningKeys(text: string): SigningKey[] {
  return text
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => {
      const colon = entry.indexOf(':');
      if (colon < 1) throw new Error('each signing key is written kid:secret');
      return { id: entry.slice(0, colon), secret: entry.slice(colon + 1) };
    });
}
