// The offset page's development sign-in, POST /app/sign-in: it signs a demo user in with the
// backend key the gateway already holds, as a trusted backend would call `authenticate`. It
// answers only on a developer's own machine: the Host is a loopback name or address (or one of
// GATEWAY_SIGN_IN_HOSTS) and a browser's Origin is the page's own, so neither a page of another
// site nor one reached by DNS rebinding (an attacker's name resolving to 127.0.0.1) mints tokens.
// It does not exist in production.
import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';
import type { Config } from '../lib/config.ts';
import { DEMO } from '../demo/data.ts';
import { ErrorCode } from '../lib/errors.ts';
import { isProduction } from './http.ts';

export const SIGN_IN_PATH = '/app/sign-in';

const MAX_SIGN_IN_BYTES = 1_024;

/** The demo users the development sign-in accepts. */
export const DEMO_EMAILS: readonly string[] = Object.values(DEMO.users).map((u) => u.email);

/** Loopback by name or address: `localhost`, 127.0.0.0/8 and `[::1]`. */
const isLoopback = (hostname: string) =>
  hostname === 'localhost' || hostname === '[::1]' || /^127(\.\d{1,3}){3}$/.test(hostname);

/** A Host header: a name or an address, and an optional port (no user part, no path). */
const HOST_HEADER = /^(?:[a-z0-9.-]+|\[[0-9a-f:.]+\])(?::\d{1,5})?$/i;

/** The host name of a Host header, as a URL normalises it; null when it is not one. */
function hostnameOf(host: string | null): string | null {
  if (!host || !HOST_HEADER.test(host)) return null;
  try {
    return new URL(`http://${host}`).hostname;
  } catch {
    return null;
  }
}

/** Whether a Host header names this machine (or a host the configuration lists). */
export function signInHostAllowed(host: string | null, listed: readonly string[]): boolean {
  const hostname = hostnameOf(host);
  return hostname !== null && (isLoopback(hostname) || listed.includes(hostname));
}

const jsonError = (fetchAPI: { Response: typeof Response }, status: number, code: string, message: string) =>
  fetchAPI.Response.json(
    { errors: [{ message, extensions: { code } }] },
    { status, headers: { 'cache-control': 'no-store' } },
  );

/** Signs a demo user in through the marketplace's `authenticate`, with the backend key. */
async function signIn(
  config: Config,
  email: string,
): Promise<{ accessToken: string; user: { email: string; role: string } } | null> {
  const response = await fetch(config.urlOf('marketplace'), {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-backend-secret-key': config.backendSecretKey },
    body: JSON.stringify({
      query:
        'mutation AppSignIn($email: String!) { authenticate(input: { email: $email }) { accessToken user { email role } userErrors { message } } }',
      variables: { email },
    }),
    signal: AbortSignal.timeout(config.GATEWAY_SUBGRAPH_TIMEOUT_MS),
  });
  const body = (await response.json()) as {
    data?: { authenticate?: { accessToken: string | null; user: { email: string; role: string } | null } };
  };
  const result = body.data?.authenticate;
  return result?.accessToken && result.user ? { accessToken: result.accessToken, user: result.user } : null;
}

/** POST /app/sign-in outside production; in production the route does not exist (404). */
export function developmentSignIn(config: Config): GatewayPlugin {
  const production = isProduction(config);
  const listed = (config.GATEWAY_SIGN_IN_HOSTS ?? '')
    .split(',')
    .map((h) => h.trim().toLowerCase())
    .filter(Boolean);
  return {
    async onRequest({ request, url, endResponse, fetchAPI }) {
      if (url.pathname !== SIGN_IN_PATH) return;
      if (production) {
        endResponse(
          new fetchAPI.Response('Not found', { status: 404, headers: { 'content-type': 'text/plain; charset=utf-8' } }),
        );
        return;
      }
      if (request.method !== 'POST') {
        endResponse(new fetchAPI.Response(null, { status: 405, headers: { allow: 'POST' } }));
        return;
      }
      // The Host a browser sends is the name it resolved: a rebinding attacker's name is not loopback.
      if (!signInHostAllowed(request.headers.get('host'), listed) || !signInHostAllowed(url.host, listed)) {
        endResponse(
          jsonError(
            fetchAPI,
            403,
            ErrorCode.FORBIDDEN,
            'Sign-in answers on localhost only (or a host listed in GATEWAY_SIGN_IN_HOSTS)',
          ),
        );
        return;
      }
      // Only the page itself: another site open in the developer's browser must not mint tokens
      // (browsers always send Origin on a POST; curl sends none).
      const origin = request.headers.get('origin');
      if (origin !== null && origin !== url.origin) {
        endResponse(jsonError(fetchAPI, 403, ErrorCode.FORBIDDEN, 'Sign-in is accepted from the offset page only'));
        return;
      }
      // A JSON body only: a cross-site HTML form cannot send one without the browser asking first.
      if (!request.headers.get('content-type')?.startsWith('application/json')) {
        endResponse(jsonError(fetchAPI, 415, ErrorCode.BAD_USER_INPUT, 'Send { "email": … } as application/json'));
        return;
      }
      // A sign-in body is a few dozen bytes; one without a length or longer is never read.
      if (!(Number(request.headers.get('content-length') ?? Infinity) <= MAX_SIGN_IN_BYTES)) {
        endResponse(
          jsonError(fetchAPI, 413, 'PAYLOAD_TOO_LARGE', `A sign-in request is at most ${MAX_SIGN_IN_BYTES} bytes`),
        );
        return;
      }
      const body = (await request.json().catch(() => null)) as { email?: unknown } | null;
      const email = typeof body?.email === 'string' ? body.email : '';
      if (!DEMO_EMAILS.includes(email)) {
        endResponse(
          jsonError(
            fetchAPI,
            400,
            ErrorCode.BAD_USER_INPUT,
            `"email" must be one of the demo users: ${DEMO_EMAILS.join(', ')}`,
          ),
        );
        return;
      }
      const session = await signIn(config, email).catch(() => null);
      endResponse(
        session
          ? fetchAPI.Response.json(session, { headers: { 'cache-control': 'no-store' } })
          : jsonError(fetchAPI, 503, ErrorCode.UPSTREAM_UNAVAILABLE, 'The marketplace could not sign the user in'),
      );
    },
  };
}
