// Gateway request signatures (lib/signature.ts): HTTP Message Signatures (RFC 9421) with
// hmac-sha256 over the method, path, Content-Digest (RFC 9530) and Authorization; valid for a
// short window, each nonce once; two keys accepted at once for rotation.
import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { contentDigest, parseSigningKeys, signRequest, signatureVerifier } from '../../lib/signature.ts';

const OLD = { id: 'gw-2026-06', secret: 'old-signing-secret-0123456789abcdefghijklmnop' };
const NEW = { id: 'gw-2026-12', secret: 'new-signing-secret-0123456789abcdefghijklmnop' };
const BODY = '{"query":"{ me { email } }"}';
const request = (
  headers: Record<string, string>,
  over: Partial<{ method: string; path: string; body: string; authorization: string | null }> = {},
) => ({
  method: 'POST',
  path: '/graphql',
  body: BODY,
  authorization: 'Bearer abc.def.ghi',
  headers,
  ...over,
});
const sign = (key = NEW, now?: number) =>
  signRequest(key, { method: 'POST', path: '/graphql', body: BODY, authorization: 'Bearer abc.def.ghi' }, { now });

describe('gateway request signatures', () => {
  it('writes the signature base of RFC 9421 §2.5 and its Content-Digest as RFC 9530 does', () => {
    const headers = sign(NEW, Date.now());
    expect(headers['content-digest']).toBe(`sha-256=:${createHash('sha256').update(BODY).digest('base64')}:`);
    const params = headers['signature-input'].slice('gateway='.length);
    expect(params).toMatch(
      /^\("@method" "@path" "content-digest" "authorization"\);created=\d+;expires=\d+;nonce="[\w-]+";keyid="gw-2026-12";alg="hmac-sha256";tag="carbon-federation"$/,
    );
    const base = [
      '"@method": POST',
      '"@path": /graphql',
      `"content-digest": ${headers['content-digest']}`,
      '"authorization": Bearer abc.def.ghi',
      `"@signature-params": ${params}`,
    ].join('\n');
    expect(headers.signature).toBe(`gateway=:${createHmac('sha256', NEW.secret).update(base).digest('base64')}:`);
    expect(contentDigest('')).toBe('sha-256=:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=:');
  });

  it('accepts a fresh signature once, with either of the two keys configured', () => {
    const verify = signatureVerifier([NEW, OLD]);
    expect(verify(request(sign(NEW)))).toEqual({ ok: true, keyId: NEW.id });
    expect(verify(request(sign(OLD)))).toEqual({ ok: true, keyId: OLD.id });
    const once = sign(NEW);
    expect(verify(request(once)).ok).toBe(true);
    expect(verify(request(once))).toEqual({ ok: false, reason: 'replayed' });
  });

  it('refuses a key no longer configured, another body, path, method or caller, and a signature past its window', () => {
    const verify = signatureVerifier([NEW]);
    expect(verify(request(sign(OLD)))).toEqual({ ok: false, reason: 'unknown key' });
    expect(verify(request(sign(), { body: '{"query":"{ orders { totalCount } }"}' }))).toEqual({
      ok: false,
      reason: 'digest mismatch',
    });
    expect(verify(request(sign(), { path: '/other' }))).toEqual({ ok: false, reason: 'bad signature' });
    expect(verify(request(sign(), { method: 'GET' }))).toEqual({ ok: false, reason: 'bad signature' });
    expect(verify(request(sign(), { authorization: 'Bearer another.caller.token' }))).toEqual({
      ok: false,
      reason: 'bad signature',
    });
    expect(verify(request(sign(), { authorization: null }))).toEqual({ ok: false, reason: 'malformed' });
    expect(verify(request(sign(NEW, Date.now() - 60_000)))).toEqual({ ok: false, reason: 'expired' });
    expect(verify(request(sign(NEW, Date.now() + 60_000)))).toEqual({ ok: false, reason: 'expired' });
    expect(verify(request({}))).toEqual({ ok: false, reason: 'missing' });
    const forged = sign();
    expect(verify(request({ ...forged, signature: forged.signature.replace(/.:$/, 'A:') }))).toEqual({
      ok: false,
      reason: 'bad signature',
    });
    // A window longer than the verifier allows is not taken on the signer's word.
    expect(
      verify(
        request(
          signRequest(
            NEW,
            { method: 'POST', path: '/graphql', body: BODY, authorization: 'Bearer abc.def.ghi' },
            { windowSeconds: 3600 },
          ),
        ),
      ),
    ).toEqual({ ok: false, reason: 'expired' });
  });

  it('remembers nonces only while their signatures are valid, and at most as many as it is told', () => {
    const verify = signatureVerifier([NEW], { maxNonces: 3 });
    const now = Date.now();
    const old = sign(NEW, now - 25_000);
    expect(verify(request(old), now).ok).toBe(true);
    for (let i = 0; i < 5; i++) expect(verify(request(sign(NEW, now)), now).ok).toBe(true);
    // The oldest nonce was let go past the bound; its signature is near its end either way.
    expect(verify(request(old), now).ok).toBe(true);
    expect(verify(request(old), now + 20_000)).toEqual({ ok: false, reason: 'expired' });
  });

  it('reads rotating keys as kid:secret pairs, the first signing', () => {
    expect(parseSigningKeys(`${NEW.id}:${NEW.secret}, ${OLD.id}:${OLD.secret}`)).toEqual([NEW, OLD]);
    expect(() => parseSigningKeys('no-id-here')).toThrow('kid:secret');
  });
});
