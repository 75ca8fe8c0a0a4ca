// Offset certificate downloads through the gateway: the links the marketplace signs point at the
// gateway's public origin (clients cannot reach a subgraph), and the gateway streams the request to
// the marketplace, which checks the signed link (or the buyer's token) as before.
import { signedInit } from './subgraph-transport.ts';
import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';
import type { Config } from '../lib/config.ts';
import { CERTIFICATE_PATH } from '../lib/public-paths.ts';

/** Response headers of the marketplace's answer that the client needs. */
const ANSWER_HEADERS = [
  'content-type',
  'content-length',
  'content-disposition',
  'cache-control',
  'www-authenticate',
  'allow',
];

/**
 * The origin links must point at: GATEWAY_PUBLIC_URL, else (development) the origin the client
 * reached the gateway on, which is its own listen URL.
 */
export function publicOrigin(config: Pick<Config, 'GATEWAY_PUBLIC_URL'>, request: Request): URL {
  return new URL(config.GATEWAY_PUBLIC_URL ?? new URL(request.url).origin);
}

/** Headers that tell the subgraphs the gateway's public origin (for the links they sign). */
export function publicOriginHeaders(
  config: Pick<Config, 'GATEWAY_PUBLIC_URL'>,
  request: Request,
): Record<string, string> {
  const origin = publicOrigin(config, request);
  return { 'x-forwarded-host': origin.host, 'x-forwarded-proto': origin.protocol.replace(':', '') };
}

/**
 * GET/HEAD /offset-certificates/{orderId}.pdf, streamed from the marketplace. A signed link needs
 * no header; without a signature the bearer token is the permission and is the only header sent.
 */
export function certificateProxy(config: Config): GatewayPlugin {
  const marketplace = new URL(config.urlOf('marketplace')).origin;
  return {
    async onRequest({ request, url, endResponse, fetchAPI }) {
      if (!url.pathname.startsWith(CERTIFICATE_PATH)) return;
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        endResponse(new fetchAPI.Response(null, { status: 405, headers: { allow: 'GET, HEAD' } }));
        return;
      }
      const headers: Record<string, string> = {};
      const authorization = request.headers.get('authorization');
      if (authorization && !url.searchParams.has('signature')) headers.authorization = authorization;
      try {
        const target = `${marketplace}${url.pathname}${url.search}`;
        // Signed like every subgraph request: the marketplace reads the bearer token only then.
        const init = signedInit(config.gatewaySigningKeys[0]!, target, { method: request.method, headers });
        const answer = await fetch(target, {
          ...init,
          signal: AbortSignal.timeout(config.GATEWAY_SUBGRAPH_TIMEOUT_MS),
        });
        const kept = ANSWER_HEADERS.flatMap((h) => {
          const value = answer.headers.get(h);
          return value === null ? [] : [[h, value] as [string, string]];
        });
        endResponse(new fetchAPI.Response(answer.body, { status: answer.status, headers: kept }));
      } catch {
        endResponse(fetchAPI.Response.json({ error: 'The marketplace is unavailable' }, { status: 502 }));
      }
    },
  };
}
