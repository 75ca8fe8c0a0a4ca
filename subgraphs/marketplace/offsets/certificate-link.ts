// Signed, expiring links to offset certificates. The link itself is the permission (it can be
// opened in a browser, without a header); it names one order and stops working after the TTL.
import { createHmac } from 'node:crypto';
import { safeEqual } from '../../../lib/auth.ts';
import { CERTIFICATE_PATH } from '../../../lib/public-paths.ts';

export { CERTIFICATE_PATH };
export const CERTIFICATE_TTL_SECONDS = 15 * 60;

export interface CertificateLink {
  url: string;
  expiresAt: Date;
  contentType: string;
}

export class CertificateSigner {
  private readonly key: Buffer;

  constructor(secret: string) {
    // A key of its own, derived from the token secret, so a link can never pass for a token.
    this.key = createHmac('sha256', secret).update('offset-certificate-links').digest();
  }

  private signature(orderId: string, expires: number): string {
    return createHmac('sha256', this.key).update(`${orderId}.${expires}`).digest('base64url');
  }

  /** A link valid for CERTIFICATE_TTL_SECONDS from now, on the given origin. */
  link(origin: string, orderId: string, now = Date.now()): CertificateLink {
    const expires = Math.floor(now / 1000) + CERTIFICATE_TTL_SECONDS;
    const query = new URLSearchParams({ expires: String(expires), signature: this.signature(orderId, expires) });
    return {
      url: `${origin}${CERTIFICATE_PATH}${encodeURIComponent(orderId)}.pdf?${query}`,
      expiresAt: new Date(expires * 1000),
      contentType: 'application/pdf',
    };
  }

  /** True when the signature is this server's for the order and has not expired. */
  verify(orderId: string, expires: string | null, signature: string | null, now = Date.now()): boolean {
    if (!expires || !signature || !/^\d{1,12}$/.test(expires)) return false;
    const at = Number(expires);
    if (at * 1000 < now) return false;
    return safeEqual(signature, this.signature(orderId, at));
  }
}

/** The origin clients reach this subgraph on: the configured public URL, else the request's host. */
export function requestOrigin(headers: Record<string, string | string[] | undefined>, publicUrl?: string): string {
  if (publicUrl) return publicUrl.replace(/\/+$/, '');
  const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v)?.split(',')[0]?.trim();
  const proto = first(headers['x-forwarded-proto']) === 'https' ? 'https' : 'http';
  const host = first(headers['x-forwarded-host']) ?? first(headers.host) ?? 'localhost';
  return `${proto}://${host}`;
}
