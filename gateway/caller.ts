// The verified caller of a gateway request, for what the gateway itself keys on the caller (the
// response cache's PRIVATE answers). Access is decided by the subgraphs; a bad or missing token
// here only means "no caller". Tokens are verified once until they expire (lib/auth.ts).
import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';
import { bearerToken, verifyToken, type Viewer } from '../lib/auth.ts';

export interface CallerContext {
  currentUser?: (Viewer & { scope: string }) | null;
}

export function verifiedCaller(jwtSecret: string): GatewayPlugin<CallerContext> {
  return {
    async onContextBuilding({ context, extendContext }) {
      const token = bearerToken(context.request.headers.get('authorization'));
      if (!token) return;
      try {
        const viewer = await verifyToken(token, jwtSecret);
        extendContext({ currentUser: { ...viewer, scope: viewer.scopes.join(' ') } });
      } catch {
        // An invalid or expired token: no caller; the subgraphs say why to the fields that need one.
      }
    },
  };
}
