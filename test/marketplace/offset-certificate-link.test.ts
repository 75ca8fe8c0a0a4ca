import { describe, expect, it } from '@jest/globals';
import { publicOriginHeaders } from '../../gateway/certificates.ts';
import {
  CERTIFICATE_TTL_SECONDS,
  CertificateSigner,
  requestOrigin,
} from '../../subgraphs/marketplace/offsets/certificate-link.ts';

const signer = new CertificateSigner('certificate-test-secret-0123456789abcdefghijklmnop');
const ORDER = 'de0a0000-0000-4000-8000-000000000001';

const parts = (url: string) => {
  const u = new URL(url);
  return { path: u.pathname, expires: u.searchParams.get('expires'), signature: u.searchParams.get('signature') };
};

describe('offset certificate links', () => {
  it('signs a link to one order that verifies until it expires', () => {
    const now = Date.UTC(2026, 10, 23, 12, 0, 0);
    const link = signer.link('https://api.example.com', ORDER, now);
    const { path, expires, signature } = parts(link.url);
    expect(path).toBe(`/offset-certificates/${ORDER}.pdf`);
    expect(link.expiresAt.getTime()).toBe(now + CERTIFICATE_TTL_SECONDS * 1000);
    expect(signer.verify(ORDER, expires, signature, now)).toBe(true);
    expect(signer.verify(ORDER, expires, signature, link.expiresAt.getTime() + 1000)).toBe(false);
    expect(signer.verify('de0a0000-0000-4000-8000-000000000002', expires, signature, now)).toBe(false);
    expect(signer.verify(ORDER, String(Number(expires) + 3600), signature, now)).toBe(false);
    expect(signer.verify(ORDER, expires, null, now)).toBe(false);
    expect(
      new CertificateSigner('another-secret-0123456789abcdefghijklmnopqrstuv').verify(ORDER, expires, signature, now),
    ).toBe(false);
  });

  it('uses the configured public origin, else the forwarded or direct host', () => {
    expect(requestOrigin({ host: '10.0.0.5:4001' }, 'https://api.example.com/')).toBe('https://api.example.com');
    expect(
      requestOrigin({ host: '10.0.0.5:4001', 'x-forwarded-host': 'api.example.com', 'x-forwarded-proto': 'https' }),
    ).toBe('https://api.example.com');
    expect(requestOrigin({ host: '127.0.0.1:4001' })).toBe('http://127.0.0.1:4001');
  });

  it('through the gateway, links use GATEWAY_PUBLIC_URL, else the origin the client reached', () => {
    const request = new Request('http://127.0.0.1:4000/graphql');
    expect(requestOrigin(publicOriginHeaders({ GATEWAY_PUBLIC_URL: 'https://api.example.com' }, request))).toBe(
      'https://api.example.com',
    );
    expect(requestOrigin(publicOriginHeaders({}, request))).toBe('http://127.0.0.1:4000');
  });
});
