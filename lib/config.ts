import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { parseSigningKeys, type SigningKey } from './signature.ts';

// The variables every process shares. Each subgraph and upstream declares its own in its manifest
// (subgraphs/<name>/manifest.ts, upstreams/<name>.ts), parsed with `configOf`; lib/ names none.

export type SourceMode = 'local' | 'upstream';

/** The kinds of value a variable holds, for the shared schema and the manifests' own. */
export const variable = {
  port: z.coerce.number().int().min(0).max(65535),
  url: z.url({ protocol: /^https?$/ }),
  bool: z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1'),
  mode: z.enum(['local', 'upstream']),
  secret: z.string().min(32, 'must be at least 32 characters'),
  /** A whole number of at least `min` (milliseconds, counts, sizes). */
  int: (min: number) => z.coerce.number().int().min(min),
};
const { port, url, bool, secret } = variable;

/** The shared variables the processes read; `.env.example` documents each one. */
const schema = z.object({
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  HOST: z.string().default('127.0.0.1'),
  DATA_DIR: z.string().default('./data'),
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
  SEED_DEMO_DATA: bool.default(true),
  /** OTLP/HTTP collector for traces (the OpenTelemetry exporter reads it); unset: tracing is off. */
  OTEL_EXPORTER_OTLP_ENDPOINT: url.optional(),

  GATEWAY_PORT: port.default(4000),
  GATEWAY_DEDUPLICATE_INFLIGHT: bool.default(true),
  GATEWAY_MAX_DEPTH: z.coerce.number().int().min(1).default(15),
  /** Largest request body a subgraph reads; a larger one is answered 413. */
  SUBGRAPH_MAX_BODY_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(1024 * 1024),
  /** How long a stopping server waits for the requests it has already received. */
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).default(10_000),
  /** Subscriptions (docs/live-updates.md): open streams per caller and per subgraph process, heartbeat interval, events buffered for a slow client. */
  SUBSCRIPTIONS_MAX_PER_CALLER: z.coerce.number().int().min(1).default(20),
  SUBSCRIPTIONS_MAX_PER_PROCESS: z.coerce.number().int().min(1).default(5_000),
  SUBSCRIPTIONS_HEARTBEAT_MS: z.coerce.number().int().min(10).default(15_000),
  SUBSCRIPTIONS_MAX_BUFFERED: z.coerce.number().int().min(1).default(100),
  /** `npm start`: first delay before restarting a process that exited; doubles per restart. */
  RESTART_DELAY_MS: z.coerce.number().int().min(0).default(500),
  /** `npm start`: the longest delay between restarts; a process up this long starts again from RESTART_DELAY_MS. */
  RESTART_MAX_DELAY_MS: z.coerce.number().int().min(1).default(30_000),
  /** How long a SQLite write waits for a lock held by another connection or process. */
  SQLITE_BUSY_TIMEOUT_MS: z.coerce.number().int().min(0).default(5_000),
  GATEWAY_MAX_TOKENS: z.coerce.number().int().min(1).default(2_000),
  GATEWAY_MAX_ALIASES: z.coerce.number().int().min(0).default(30),
  GATEWAY_MAX_DIRECTIVES: z.coerce.number().int().min(0).default(50),
  GATEWAY_MAX_SELECTIONS: z.coerce.number().int().min(1).default(2_000),
  GATEWAY_MAX_COST: z.coerce.number().int().min(1).default(10_000),
  GATEWAY_MAX_BODY_BYTES: z.coerce.number().int().min(1).default(100_000),
  GATEWAY_DOCUMENT_CACHE_ENTRIES: z.coerce.number().int().min(0).default(1_000),
  GATEWAY_DOCUMENT_CACHE_BYTES: z.coerce.number().int().min(0).default(64_000_000),
  GATEWAY_SUBGRAPH_TIMEOUT_MS: z.coerce.number().int().min(1).default(10_000),
  /** `production` turns off introspection and GraphiQL at the gateway and the default CORS origins. */
  NODE_ENV: z.string().default('development'),
  /** Public origin of the gateway (e.g. https://api.example.com): links such as offset certificates point at it; default: the origin the client reached. */
  GATEWAY_PUBLIC_URL: url.optional(),
  /** Comma-separated origins a browser may call the gateway from, with credentials; unset: any origin without credentials (development) or none (production). */
  GATEWAY_CORS_ORIGINS: z.string().optional(),
  /** A JSON manifest (hash -> document), or a folder of `<client name>.json` manifests: when set, the gateway executes only the documents listed (for the client a request names). Required in production unless GATEWAY_ALLOW_ARBITRARY_OPERATIONS is true. */
  GATEWAY_TRUSTED_DOCUMENTS: z.string().optional(),
  /** Production without a trusted-documents manifest: execute any operation (logged at start). */
  GATEWAY_ALLOW_ARBITRARY_OPERATIONS: bool.default(false),
  /** Comma-separated host names besides loopback on which the development sign-in (POST /app/sign-in) answers. */
  GATEWAY_SIGN_IN_HOSTS: z.string().optional(),
  /** Comma-separated client names (`graphql-client-name`) that metrics label as themselves; any other name is `other`. */
  GATEWAY_CLIENT_NAMES: z.string().default('offset-page'),
  /** Automatic persisted queries kept in memory (least recently used dropped first). */
  GATEWAY_APQ_ENTRIES: z.coerce.number().int().min(0).default(1_000),
  GATEWAY_APQ_BYTES: z.coerce.number().int().min(0).default(10_000_000),
  /** Redis shared by every gateway replica for automatic persisted queries; in memory per process when unset. */
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).optional(),
  /** How long the gateway waits for Redis to answer a command; then the call is a miss and Redis is skipped until it answers a PING. */
  REDIS_COMMAND_TIMEOUT_MS: z.coerce.number().int().min(1).default(500),
  /** How long a persisted query stays in Redis after it was last registered. */
  GATEWAY_APQ_TTL_SECONDS: z.coerce
    .number()
    .int()
    .min(1)
    .default(7 * 24 * 3600),
  /** Answers the gateway's response cache keeps in memory (least recently used dropped first); 0 turns the cache off. In Redis when REDIS_URL is set. */
  GATEWAY_RESPONSE_CACHE_ENTRIES: z.coerce.number().int().min(0).default(1_000),
  /** Memory those answers may take (2 bytes per character of their JSON). */
  GATEWAY_RESPONSE_CACHE_BYTES: z.coerce.number().int().min(0).default(32_000_000),

  JWT_SECRET: secret.optional(),
  JWT_TTL_SECONDS: z.coerce.number().int().min(60).default(3600),
  BACKEND_SECRET_KEY: secret.optional(),
  /** Shared secret trusted services use to call service-only mutations (e.g. recording a payment). */
  SERVICE_TOKEN: secret.optional(),
  /**
   * Keys the gateway signs its subgraph requests with, `kid:secret` separated by commas (secrets of
   * 32 characters or more): the first signs, every one is accepted, so a new key is added first and
   * the old one removed once every gateway signs with the new.
   */
  GATEWAY_SIGNING_KEYS: z
    .string()
    .refine((v) => {
      try {
        const keys = parseSigningKeys(v);
        return keys.length > 0 && keys.every((k) => k.secret.length >= 32);
      } catch {
        return false;
      }
    }, 'must be kid:secret pairs separated by commas, each secret at least 32 characters')
    .optional(),

  UPSTREAM_TIMEOUT_MS: z.coerce.number().int().min(1).default(10_000),
  UPSTREAM_RETRIES: z.coerce.number().int().min(0).max(10).default(3),
  UPSTREAM_BREAKER_THRESHOLD: z.coerce.number().int().min(1).default(5),
  UPSTREAM_BREAKER_HALF_OPEN_MS: z.coerce.number().int().min(1).default(10_000),
  /** How long a subgraph's /health waits for each upstream's answer in upstream mode. */
  UPSTREAM_HEALTH_TIMEOUT_MS: z.coerce.number().int().min(1).default(2_000),
  /** How long an upstream's health answer is reused before it is asked again. */
  UPSTREAM_HEALTH_CACHE_MS: z.coerce.number().int().min(0).default(5_000),
  /** How long an answer outside an upstream's contract keeps its subgraph's /health `degraded`. */
  UPSTREAM_CONTRACT_WINDOW_MS: z.coerce.number().int().min(0).default(300_000),
  /** Upstream mode, watching subscribed objects at the upstreams (docs/live-updates.md): objects watched per process (beyond: SUBSCRIPTION_LIMIT), reads in flight per process, first and longest delay between two reads of an object. */
  UPSTREAM_WATCH_MAX: z.coerce.number().int().min(1).default(500),
  UPSTREAM_WATCH_MAX_IN_FLIGHT: z.coerce.number().int().min(1).default(8),
  UPSTREAM_WATCH_MIN_INTERVAL_MS: z.coerce.number().int().min(10).default(1_000),
  UPSTREAM_WATCH_MAX_INTERVAL_MS: z.coerce.number().int().min(10).default(30_000),
});

export type Env = z.infer<typeof schema>;

/** Names of the shared variables; the manifests list the others (`variablesOf`). */
export const ENV_VARIABLES = Object.keys(schema.shape);

/** What a process needs to know of a subgraph to reach it: its name and default port. */
export interface SubgraphAddress {
  name: string;
  port: number;
}

/**
 * An upstream API, declared once by its own module: its name in health reports and errors, the
 * names its documents give it, and the variables its clients read.
 */
export interface UpstreamManifest<V extends z.ZodObject = z.ZodObject> {
  name: string;
  names: readonly string[];
  variables: V;
}

/**
 * A subgraph, declared by its folder (`subgraphs/<name>/manifest.ts`, which imports no server
 * code): its name and default port, the variables it reads beyond the shared ones (those of its
 * upstreams included), its upstreams, its database, and whether it answers `node`/`nodes`.
 */
export interface SubgraphManifest<V extends z.ZodObject = z.ZodObject> extends SubgraphAddress {
  variables: V;
  upstreams: readonly UpstreamManifest[];
  /** The subgraph that owns the `Node` interface and answers `node`/`nodes` for every entity type. */
  ownsNode?: boolean;
  /** Its own database: the entity classes (loaded on demand) and the PostgreSQL migrations' folder. */
  database?: { entities(): Promise<readonly object[]>; migrations: string };
}

/** The prefix of a subgraph's own variables: `ORDER_BOOK` for `order-book`. */
export const variablePrefix = (name: string) => name.toUpperCase().replace(/[^A-Z0-9]/g, '_');

/** A subgraph's generic variables: `<NAME>_PORT` (default: its own port), `<NAME>_URL`, `<NAME>_SOURCE`. */
export function subgraphVariables({ name, port: defaultPort }: SubgraphAddress): z.ZodObject {
  const prefix = variablePrefix(name);
  return z.object({
    [`${prefix}_PORT`]: port.default(defaultPort),
    [`${prefix}_URL`]: url.optional(),
    [`${prefix}_SOURCE`]: variable.mode.default('local'),
  });
}

/** Names of the variables a schema reads. */
export const variablesOf = (schema: z.ZodObject): string[] => Object.keys(schema.shape);

export interface Config extends Env {
  jwtSecret: string;
  backendSecretKey: string;
  serviceToken: string;
  /** The gateway's signing keys: the first signs, all are accepted. */
  gatewaySigningKeys: SigningKey[];
  dataDir: string;
  /** The subgraphs of the stack, in their order. */
  subgraphs: readonly string[];
  sourceOf(name: string): SourceMode;
  portOf(name: string): number;
  urlOf(name: string): string;
}

export class ConfigError extends Error {}

/** A component's slice of the environment, validated; the message names every bad variable. */
export function configOf<S extends z.ZodObject>(schema: S, env: NodeJS.ProcessEnv = process.env): z.output<S> {
  const parsed = schema.safeParse(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== '')));
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  return parsed.data;
}

/**
 * Reads and validates the environment once: the shared variables, each subgraph's generic ones,
 * and `own` (a component's slice, e.g. a subgraph manifest's variables) in one pass, so the
 * message names every bad variable.
 */
export function loadConfig<O extends z.ZodObject = z.ZodObject<Record<never, never>>>(
  env: NodeJS.ProcessEnv = process.env,
  subgraphs: readonly SubgraphAddress[] = [],
  own?: O,
): Config & z.output<O> {
  const generic = subgraphs.map((s) => subgraphVariables(s).shape);
  const all = schema.extend(Object.assign({}, ...generic, own?.shape) as z.ZodRawShape);
  const e = configOf(all, env) as Env & Record<string, unknown>;
  const dataDir = resolve(e.DATA_DIR);
  const secrets = resolveSecrets(e, dataDir);
  const names = subgraphs.map((s) => s.name);
  const known = (name: string) => {
    if (!names.includes(name)) throw new Error(`no subgraph named "${name}" in this configuration`);
    return variablePrefix(name);
  };
  const portOf = (name: string) => e[`${known(name)}_PORT`] as number;
  return {
    ...e,
    ...secrets,
    dataDir,
    subgraphs: names,
    sourceOf: (name) => e[`${known(name)}_SOURCE`] as SourceMode,
    portOf,
    urlOf: (name) => (e[`${known(name)}_URL`] as string | undefined) ?? `http://${e.HOST}:${portOf(name)}/graphql`,
  } as Config & z.output<O>;
}

/**
 * Secrets come from the environment; on a developer machine without them, they are generated
 * once into DATA_DIR/secrets.json (mode 0600) so every process of the stack shares them.
 */
function resolveSecrets(e: Env, dataDir: string) {
  if (e.JWT_SECRET && e.BACKEND_SECRET_KEY && e.SERVICE_TOKEN && e.GATEWAY_SIGNING_KEYS) {
    return {
      jwtSecret: e.JWT_SECRET,
      backendSecretKey: e.BACKEND_SECRET_KEY,
      serviceToken: e.SERVICE_TOKEN,
      gatewaySigningKeys: parseSigningKeys(e.GATEWAY_SIGNING_KEYS),
    };
  }
  const file = join(dataDir, 'secrets.json');
  let stored: Record<string, string> = {};
  if (existsSync(file)) stored = JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
  const make = () => randomBytes(32).toString('base64url');
  // Only generated values are written; secrets given in the environment never touch the disk.
  const generated = {
    jwtSecret: stored.jwtSecret ?? make(),
    backendSecretKey: stored.backendSecretKey ?? make(),
    serviceToken: stored.serviceToken ?? make(),
    gatewaySigningKey: stored.gatewaySigningKey ?? make(),
  };
  if (JSON.stringify(generated) !== JSON.stringify(stored)) {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    writeFileSync(file, JSON.stringify(generated, null, 2), { mode: 0o600 });
    chmodSync(file, 0o600);
  }
  return {
    jwtSecret: e.JWT_SECRET ?? generated.jwtSecret,
    backendSecretKey: e.BACKEND_SECRET_KEY ?? generated.backendSecretKey,
    serviceToken: e.SERVICE_TOKEN ?? generated.serviceToken,
    gatewaySigningKeys: e.GATEWAY_SIGNING_KEYS
      ? parseSigningKeys(e.GATEWAY_SIGNING_KEYS)
      : [{ id: 'local', secret: generated.gatewaySigningKey }],
  };
}
