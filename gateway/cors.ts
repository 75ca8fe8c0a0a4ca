// CORS: which browser origins may call the gateway, and `Vary: Origin` on every answer whose CORS
// headers depend on the caller's Origin, so a shared cache never hands one origin's answer (with
// or without `Access-Control-Allow-Origin`) to another.
import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';
import type { Config } from '../lib/config.ts';
import { appendVary, isProduction } from './http.ts';

type CorsSettings = Pick<Config, 'GATEWAY_CORS_ORIGINS' | 'NODE_ENV'>;
type CorsOptions = { origin: string[]; credentials: boolean; methods: string[] } | false;

const listedOrigins = (config: CorsSettings) =>
  (config.GATEWAY_CORS_ORIGINS ?? '')
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean);

/**
 * Listed origins may call with credentials; with no list, development admits any origin without
 * credentials and production none. An unlisted origin gets no CORS header at all.
 */
export function corsPolicy(config: CorsSettings): (request: Request) => CorsOptions {
  const listed = listedOrigins(config);
  const methods = ['GET', 'POST'];
  if (listed.length > 0) {
    const origins = new Set(listed);
    return (request) => {
      const origin = request.headers.get('origin');
      return origin && origins.has(origin) ? { origin: [origin], credentials: true, methods } : false;
    };
  }
  if (isProduction(config)) return () => false;
  return () => ({ origin: ['*'], credentials: false, methods });
}

/**
 * `Vary: Origin` on every answer when the policy depends on the Origin (an allowlist, or the
 * development default that echoes it); production without a list answers every origin alike.
 */
export function varyOnOrigin(config: CorsSettings): GatewayPlugin {
  if (listedOrigins(config).length === 0 && isProduction(config)) return {};
  return {
    onResponse({ response }) {
      appendVary(response.headers, 'Origin');
    },
  };
}
