import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { defaultFieldResolver, type GraphQLFieldResolver, type GraphQLSchema } from 'graphql';
import { MapperKind, getDirective, mapSchema } from '@graphql-tools/utils';
import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';
import { forbidden, unauthenticated } from './errors.ts';

export type Role = 'USER' | 'ADMIN';

/** The caller, as proven by a verified token. */
export interface Viewer {
  id: string;
  email: string;
  name?: string | null;
  role: Role;
  /** When the token was issued. */
  issuedAt?: Date;
  /** Space-separated in the token (`scope` claim), as the gateway's @requiresScopes reads it. */
  scopes: string[];
  /** The upstream API's own access token, carried for upstream mode. */
  upstreamToken?: string;
}

/**
 * Who is calling: a verified user, a trusted service acting for itself, or nobody (with the reason
 * a token was refused). `trusted`: the request came signed by the gateway or with the service
 * credential; only such requests may use federation's and introspection's entry points.
 */
export interface AuthState {
  viewer: Viewer | null;
  service: boolean;
  tokenProblem: string | null;
  trusted: boolean;
  /** The token that names the viewer, to act for them towards another subgraph (never logged). */
  token: string | null;
}

export const ANONYMOUS: AuthState = Object.freeze({
  viewer: null,
  service: false,
  tokenProblem: null,
  trusted: false,
  token: null,
});

const ISSUER = 'carbon-federation';
const AUDIENCE = 'carbon-federation';
const keys = new Map<string, Uint8Array>();
/** The HMAC key of a secret, encoded once per process rather than on every request. */
const key = (secret: string) => {
  let k = keys.get(secret);
  if (!k) keys.set(secret, (k = new TextEncoder().encode(secret)));
  return k;
};

export function scopesFor(role: Role): string[] {
  return role === 'ADMIN' ? ['USER', 'ADMIN'] : ['USER'];
}

/**
 * The upstream API's token rides in the access token encrypted (AES-256-GCM, a key derived from the
 * signing secret): the JWT's claims are readable by whoever holds it, the upstream credential is not.
 */
const sealKeys = new Map<string, Buffer>();
function sealKey(secret: string): Buffer {
  let k = sealKeys.get(secret);
  if (!k)
    sealKeys.set(secret, (k = Buffer.from(hkdfSync('sha256', secret, 'carbon-federation', 'upstream token', 32))));
  return k;
}

export function sealUpstreamToken(token: string, secret: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', sealKey(secret), iv);
  const sealed = Buffer.concat([cipher.update(token, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, sealed, cipher.getAuthTag()]).toString('base64url');
}

function openUpstreamToken(sealed: string, secret: string): string {
  const bytes = Buffer.from(sealed, 'base64url');
  if (bytes.length < 29) throw new TokenError('Token is invalid');
  const decipher = createDecipheriv('aes-256-gcm', sealKey(secret), bytes.subarray(0, 12));
  decipher.setAuthTag(bytes.subarray(bytes.length - 16));
  try {
    return Buffer.concat([decipher.update(bytes.subarray(12, bytes.length - 16)), decipher.final()]).toString('utf8');
  } catch {
    throw new TokenError('Token is invalid');
  }
}

export async function signToken(
  user: { id: string; email: string; name?: string | null; role: Role; upstreamToken?: string },
  secret: string,
  ttlSeconds: number,
): Promise<{ token: string; expiresAt: Date }> {
  const expiresAt = new Date(Date.now() + ttlSeconds * 1000);
  const token = await new SignJWT({
    email: user.email,
    ...(user.name ? { name: user.name } : {}),
    role: user.role,
    scope: scopesFor(user.role).join(' '),
    ...(user.upstreamToken ? { upt: sealUpstreamToken(user.upstreamToken, secret) } : {}),
  })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(user.id)
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(Math.floor(expiresAt.getTime() / 1000))
    .sign(key(secret));
  return { token, expiresAt };
}

export class TokenError extends Error {}

/**
 * Tokens already verified, by their text, until they expire: a caller's later requests skip the
 * signature check (an asynchronous WebCrypto job), which the gateway and every subgraph it calls
 * would otherwise repeat per request. Bounded in entries (least recently used dropped first);
 * tokens are not revocable before they expire, so the answer is the one verifying would give.
 */
const verified = new Map<string, { secret: string; viewer: Viewer; expiresAtMs: number }>();
export const VERIFIED_TOKENS_MAX = 5_000;

export async function verifyToken(token: string, secret: string): Promise<Viewer> {
  const known = verified.get(token);
  if (known && known.secret === secret) {
    verified.delete(token);
    if (Date.now() >= known.expiresAtMs) throw new TokenError('Token has expired');
    verified.set(token, known);
    return known.viewer;
  }
  try {
    const { payload } = await jwtVerify(token, key(secret), {
      issuer: ISSUER,
      audience: AUDIENCE,
      algorithms: ['HS256'],
    });
    const role = payload.role === 'ADMIN' ? 'ADMIN' : 'USER';
    if (typeof payload.sub !== 'string' || typeof payload.email !== 'string')
      throw new TokenError('Token has no subject');
    const viewer: Viewer = {
      id: payload.sub,
      email: payload.email,
      name: typeof payload.name === 'string' ? payload.name : null,
      role,
      issuedAt: typeof payload.iat === 'number' ? new Date(payload.iat * 1000) : undefined,
      scopes: typeof payload.scope === 'string' ? payload.scope.split(' ') : scopesFor(role),
      upstreamToken: typeof payload.upt === 'string' ? openUpstreamToken(payload.upt, secret) : undefined,
    };
    // Shared by the requests that present this token: never changed once made.
    Object.freeze(viewer.scopes);
    Object.freeze(viewer);
    if (typeof payload.exp === 'number' && payload.nbf === undefined) {
      verified.set(token, { secret, viewer, expiresAtMs: payload.exp * 1000 });
      if (verified.size > VERIFIED_TOKENS_MAX) verified.delete(verified.keys().next().value!);
    }
    return viewer;
  } catch (error) {
    if (error instanceof joseErrors.JWTExpired) throw new TokenError('Token has expired');
    if (error instanceof TokenError) throw error;
    throw new TokenError('Token is invalid');
  }
}

/** How many verified tokens are kept (for tests and operators). */
export const verifiedTokenCount = () => verified.size;

export function bearerToken(authorization: string | null | undefined): string | null {
  if (!authorization) return null;
  const match = /^Bearer\s+(\S+)$/i.exec(authorization.trim());
  return match ? match[1]! : null;
}

/** The header a service sends with the service credential to act for a caller: the caller's token, or `anonymous`. */
export const ON_BEHALF_OF_HEADER = 'x-on-behalf-of';

/** The caller a verified token names, or the anonymous caller with the reason the token was refused. */
export async function callerOf(token: string | null, jwtSecret: string): Promise<AuthState> {
  if (!token) return { ...ANONYMOUS, trusted: true };
  try {
    return { viewer: await verifyToken(token, jwtSecret), service: false, tokenProblem: null, trusted: true, token };
  } catch (error) {
    return {
      viewer: null,
      service: false,
      tokenProblem: error instanceof Error ? error.message : 'Token is invalid',
      trusted: true,
      token: null,
    };
  }
}

/**
 * Resolves the caller of a subgraph request. The service credential (`Authorization: Bearer
 * <SERVICE_TOKEN>`) is a trusted service, acting for itself or, with `X-On-Behalf-Of`, for the
 * caller that header names. Any other request counts only when the gateway signed it
 * (`signedByGateway`); then its bearer token names the caller, and a bad token makes the caller
 * anonymous with the reason, so an operation that needs a user says "Token has expired". A request
 * the gateway did not sign is anonymous whatever token it carries.
 */
export async function authenticateRequest(
  headers: Record<string, string | string[] | undefined>,
  signedByGateway: () => boolean,
  secrets: { jwtSecret: string; serviceToken: string },
): Promise<AuthState> {
  const authorization = typeof headers.authorization === 'string' ? headers.authorization : null;
  const token = bearerToken(authorization);
  if (token && safeEqual(token, secrets.serviceToken)) {
    const onBehalfOf = headers[ON_BEHALF_OF_HEADER];
    if (typeof onBehalfOf !== 'string')
      return { viewer: null, service: true, tokenProblem: null, trusted: true, token: null };
    return callerOf(onBehalfOf === 'anonymous' ? null : onBehalfOf, secrets.jwtSecret);
  }
  if (!signedByGateway()) return ANONYMOUS;
  return callerOf(token, secrets.jwtSecret);
}

/** Constant-time comparison of secrets. */
export function safeEqual(a: string, b: string): boolean {
  const x = createHash('sha256').update(a).digest();
  const y = createHash('sha256').update(b).digest();
  return timingSafeEqual(x, y);
}

export interface AuthContext {
  auth: AuthState;
}

/** The Authorization header that calls an upstream API as the viewer, when the viewer has its token. */
export function upstreamBearer(viewer: Viewer | null): Record<string, string> {
  return viewer?.upstreamToken ? { authorization: `Bearer ${viewer.upstreamToken}` } : {};
}

export function requireViewer(ctx: AuthContext): Viewer {
  if (ctx.auth.viewer) return ctx.auth.viewer;
  throw unauthenticated(ctx.auth.tokenProblem ?? 'Authentication required');
}

export function requireAdmin(ctx: AuthContext): Viewer {
  const viewer = requireViewer(ctx);
  if (!isAdmin(viewer)) throw forbidden('Admin role required');
  return viewer;
}

export function requireService(ctx: AuthContext): void {
  if (!ctx.auth.service) throw forbidden('This operation is for trusted services only');
}

export const isAdmin = (viewer: Pick<Viewer, 'role'> | null | undefined) => viewer?.role === 'ADMIN';

/**
 * Enforces `@authenticated` and `@requiresScopes` of the subgraph SDL inside the subgraph too:
 * the gateway checks them first, and no subgraph trusts the network.
 */
export function enforceAuthDirectives(schema: GraphQLSchema): GraphQLSchema {
  return mapSchema(schema, {
    [MapperKind.OBJECT_FIELD]: (field, _name, typeName) => {
      const type = schema.getType(typeName);
      const onType = (d: string) => (type ? getDirective(schema, type as never, d)?.[0] : undefined);
      const authenticated = getDirective(schema, field, 'authenticated')?.[0] ?? onType('authenticated');
      const scopes = (getDirective(schema, field, 'requiresScopes')?.[0] ?? onType('requiresScopes'))?.scopes as
        string[][] | undefined;
      if (!authenticated && !scopes) return field;
      const resolve: GraphQLFieldResolver<unknown, AuthContext> = field.resolve ?? defaultFieldResolver;
      return {
        ...field,
        resolve(source, args, ctx, info) {
          const viewer = requireViewer(ctx);
          if (scopes && !scopes.some((all) => all.every((s) => viewer.scopes.includes(s)))) {
            throw forbidden(`Requires scope ${scopes.map((all) => all.join(' and ')).join(' or ')}`);
          }
          return resolve(source, args, ctx, info);
        },
      };
    },
  });
}
