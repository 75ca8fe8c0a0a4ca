// The offset page: the built single-page app (app/dist) served at /app, and, on a developer
// machine only, POST /app/sign-in, which signs a demo user in with the backend key the gateway
// already holds, as a trusted backend would call `authenticate`.
import { readFile, stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';
import { type Config } from '../lib/config.ts';
import { DEMO } from '../lib/demo.ts';
import { ErrorCode } from '../lib/errors.ts';
import { ROOT } from '../lib/subgraph.ts';
import { isProduction } from './http.ts';

export const APP_PATH = '/app';
export const APP_DIST = join(ROOT, 'app', 'dist');

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

const MAX_SIGN_IN_BYTES = 1_024;

/** The demo users the development sign-in accepts. */
export const DEMO_EMAILS: readonly string[] = Object.values(DEMO.users).map((u) => u.email);

const jsonError = (fetchAPI: { Response: typeof Response }, status: number, code: string, message: string) =>
  fetchAPI.Response.json({ errors: [{ message, extensions: { code } }] }, { status, headers: { 'cache-control': 'no-store' } });

const notFound = (fetchAPI: { Response: typeof Response }) => new fetchAPI.Response('Not found', { status: 404, headers: { 'content-type': 'text/plain; charset=utf-8' } });

/**
 * The file of app/dist a path below /app names, or null: a path that leaves the folder (`..`,
 * encoded slashes or backslashes, NUL) names nothing.
 */
export function appFile(pathname: string, root = APP_DIST): string | null {
  let rest: string;
  try {
    rest = decodeURIComponent(pathname.slice(APP_PATH.length));
  } catch {
    return null;
  }
  if (rest.includes('\0') || rest.includes('\\') || rest.split('/').some((part) => part === '..')) return null;
  const file = resolve(root, `.${rest === '' || rest.endsWith('/') ? `${rest}index.html` : rest}`);
  return file.startsWith(root + sep) ? file : null;
}

/** Signs a demo user in through the marketplace's `authenticate`, with the backend key. */
async function signIn(config: Config, email: string): Promise<{ accessToken: string; user: { email: string; role: string } } | null> {
  const response = await fetch(config.urlOf('marketplace'), {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-backend-secret-key': config.backendSecretKey },
    body: JSON.stringify({
      query: 'mutation AppSignIn($email: String!) { authenticate(input: { email: $email }) { accessToken user { email role } userErrors { message } } }',
      variables: { email },
    }),
    signal: AbortSignal.timeout(config.GATEWAY_SUBGRAPH_TIMEOUT_MS),
  });
  const body = (await response.json()) as { data?: { authenticate?: { accessToken: string | null; user: { email: string; role: string } | null } } };
  const result = body.data?.authenticate;
  return result?.accessToken && result.user ? { accessToken: result.accessToken, user: result.user } : null;
}

/**
 * GET /app/… serves the built page (index.html for /app/, hashed assets cached for a year);
 * POST /app/sign-in exists only outside production (a 404 there, like any other path below /app).
 */
export function appRoutes(config: Config): GatewayPlugin {
  const signInEnabled = !isProduction(config);
  return {
    async onRequest({ request, url, endResponse, fetchAPI }) {
      const { pathname } = url;
      if (pathname !== APP_PATH && !pathname.startsWith(`${APP_PATH}/`)) return;
      if (pathname === `${APP_PATH}/sign-in`) {
        if (!signInEnabled) {
          endResponse(notFound(fetchAPI));
          return;
        }
        if (request.method !== 'POST') {
          endResponse(new fetchAPI.Response(null, { status: 405, headers: { allow: 'POST' } }));
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
          endResponse(jsonError(fetchAPI, 413, 'PAYLOAD_TOO_LARGE', `A sign-in request is at most ${MAX_SIGN_IN_BYTES} bytes`));
          return;
        }
        const body = (await request.json().catch(() => null)) as { email?: unknown } | null;
        const email = typeof body?.email === 'string' ? body.email : '';
        if (!DEMO_EMAILS.includes(email)) {
          endResponse(jsonError(fetchAPI, 400, ErrorCode.BAD_USER_INPUT, `"email" must be one of the demo users: ${DEMO_EMAILS.join(', ')}`));
          return;
        }
        const session = await signIn(config, email).catch(() => null);
        endResponse(
          session
            ? fetchAPI.Response.json(session, { headers: { 'cache-control': 'no-store' } })
            : jsonError(fetchAPI, 503, ErrorCode.UPSTREAM_UNAVAILABLE, 'The marketplace could not sign the user in'),
        );
        return;
      }
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        endResponse(new fetchAPI.Response(null, { status: 405, headers: { allow: 'GET, HEAD' } }));
        return;
      }
      if (pathname === APP_PATH) {
        endResponse(new fetchAPI.Response(null, { status: 308, headers: { location: `${APP_PATH}/` } }));
        return;
      }
      const file = appFile(pathname);
      const found = file ? await stat(file).then((s) => s.isFile(), () => false) : false;
      if (!file || !found) {
        endResponse(notFound(fetchAPI));
        return;
      }
      const hashed = pathname.startsWith(`${APP_PATH}/assets/`);
      endResponse(
        new fetchAPI.Response(request.method === 'HEAD' ? null : await readFile(file), {
          headers: {
            'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
            'cache-control': hashed ? 'public, max-age=31536000, immutable' : 'no-cache',
            'x-content-type-options': 'nosniff',
          },
        }),
      );
    },
  };
}
