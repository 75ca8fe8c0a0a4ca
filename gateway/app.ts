// The offset page: the built single-page app (app/dist) served at /app. Its development sign-in,
// POST /app/sign-in, is gateway/sign-in.ts.
import { readFile, stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';
import { ROOT } from '../lib/paths.ts';

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

const notFound = (fetchAPI: { Response: typeof Response }) =>
  new fetchAPI.Response('Not found', { status: 404, headers: { 'content-type': 'text/plain; charset=utf-8' } });

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

/** GET /app/… serves the built page (index.html for /app/, hashed assets cached for a year). */
export function appRoutes(): GatewayPlugin {
  return {
    async onRequest({ request, url, endResponse, fetchAPI }) {
      const { pathname } = url;
      if (pathname !== APP_PATH && !pathname.startsWith(`${APP_PATH}/`)) return;
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        endResponse(new fetchAPI.Response(null, { status: 405, headers: { allow: 'GET, HEAD' } }));
        return;
      }
      if (pathname === APP_PATH) {
        endResponse(new fetchAPI.Response(null, { status: 308, headers: { location: `${APP_PATH}/` } }));
        return;
      }
      const file = appFile(pathname);
      const found = file
        ? await stat(file).then(
            (s) => s.isFile(),
            () => false,
          )
        : false;
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
