import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { DEMO } from './demo.ts';
import { parseSigningKeys, type SigningKey } from './signature.ts';

export const SUBGRAPHS = ['marketplace', 'payments', 'registry', 'footprints'] as const;
export type SubgraphName = (typeof SUBGRAPHS)[number];
export type SourceMode = 'local' | 'upstream';

const DEFAULT_PORTS: Record<SubgraphName, number> = {
  marketplace: 4001,
  payments: 4002,
  registry: 4003,
  footprints: 4004,
};

const port = z.coerce.number().int().min(0).max(65535);
const url = z.url({ protocol: /^https?$/ });
const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
const mode = z.enum(['local', 'upstream']);
const secret = z.string().min(32, 'must be at least 32 characters');

/** Every environment variable the processes read; `.env.example` documents each one. */
const schema = z.object({
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  HOST: z.string().default('127.0.0.1'),
  DATA_DIR: z.string().default('./data'),
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
  SEED_DEMO_DATA: bool.default(true),
  /** OTLP/HTTP collector for traces (the OpenTelemetry exporter reads it); unset: tracing is off. */
  OTEL_EXPORTER_OTLP_ENDPOINT: url.optional(),

  GATEWAY_PORT: port.default(4000),
  MARKETPLACE_PORT: port.default(DEFAULT_PORTS.marketplace),
  PAYMENTS_PORT: port.default(DEFAULT_PORTS.payments),
  REGISTRY_PORT: port.default(DEFAULT_PORTS.registry),
  FOOTPRINTS_PORT: port.default(DEFAULT_PORTS.footprints),
  MARKETPLACE_URL: url.optional(),
  PAYMENTS_URL: url.optional(),
  REGISTRY_URL: url.optional(),
  FOOTPRINTS_URL: url.optional(),
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

  MARKETPLACE_SOURCE: mode.default('local'),
  PAYMENTS_SOURCE: mode.default('local'),
  REGISTRY_SOURCE: mode.default('local'),
  FOOTPRINTS_SOURCE: mode.default('local'),

  JWT_SECRET: secret.optional(),
  JWT_TTL_SECONDS: z.coerce.number().int().min(60).default(3600),
  BACKEND_SECRET_KEY: secret.optional(),
  /** Shared secret trusted services use to call service-only mutations (e.g. recording payments). */
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

  /** How often the marketplace retries delivering payment records to payments (first retry delay; backoff doubles). */
  PAYMENT_OUTBOX_INTERVAL_MS: z.coerce.number().int().min(10).default(2_000),
  /** Service outbox messages one delivery lane (one per target subgraph) claims at a time. */
  SERVICE_OUTBOX_BATCH_SIZE: z.coerce.number().int().min(1).max(1000).default(200),
  /** Service outbox calls one delivery lane has in flight at most. */
  SERVICE_OUTBOX_CONCURRENCY: z.coerce.number().int().min(1).max(100).default(16),
  /** Service outbox messages one call carries at most when a backlog is drained (1: one per call). */
  SERVICE_OUTBOX_MESSAGES_PER_CALL: z.coerce.number().int().min(1).max(100).default(20),
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

  CO2TRUST_BASE_URL: url.default('http://127.0.0.1:5101'),
  CO2TRUST_BACKEND_SECRET_KEY: z.string().optional(),
  /** By-id lookups (GET /{resource}/{id}) in flight at once per batch. */
  CO2TRUST_BY_ID_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(8),
  OFFSET_ORDERS_BASE_URL: url.default('http://127.0.0.1:5102'),
  OFFSET_ORDERS_API_KEY: z.string().optional(),
  /** Currency of the offset-orders (Lune) account: Lune prices every quote and order in it. */
  OFFSET_ORDERS_ACCOUNT_CURRENCY: z
    .string()
    .regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as EUR')
    .default('EUR'),
  /** Lune client account to act for (sent as the Lune-Account header); unset: the API key's own account. */
  OFFSET_ORDERS_ACCOUNT_ID: z.string().min(1).optional(),
  /** Smallest local offset order or quote, in grams (default 1 kg); a smaller one is a BELOW_MINIMUM user error. */
  OFFSET_MINIMUM_ORDER_GRAMS: z.coerce.number().int().min(1).default(1_000),
  /** How often the marketplace resumes product offsets left between two steps (a crash, an outage); a run untouched this long is resumed. */
  OFFSET_FLOW_RESUME_INTERVAL_MS: z.coerce.number().int().min(10).default(5_000),
  /** Public origin of the marketplace (e.g. https://api.example.com) for the offset certificate links it signs; default: the request's host. */
  MARKETPLACE_PUBLIC_URL: url.optional(),
  ICR_BASE_URL: url.default('http://127.0.0.1:5103'),
  ICR_API_VERSION: z.string().default('2023-06-16'),
  ICR_API_TOKEN: z.string().optional(),
  /** Registry organization holding the marketplace's offset inventory, which offset orders retire from. */
  REGISTRY_OFFSET_ORGANIZATION_ID: z.string().min(1).default(DEMO.organizations.marketplaceOffsets),
  CARBONCLOUD_BASE_URL: url.default('http://127.0.0.1:5104'),
  CARBONCLOUD_TOKEN_URL: url.default('http://127.0.0.1:5104/realms/prod/protocol/openid-connect/token'),
  CARBONCLOUD_CLIENT_ID: z.string().default('carboncloud'),
  CARBONCLOUD_USERNAME: z.string().optional(),
  CARBONCLOUD_PASSWORD: z.string().optional(),
});

export type Env = z.infer<typeof schema>;

/** Names of every environment variable read by the processes. */
export const ENV_VARIABLES = Object.keys(schema.shape);

export interface Config extends Env {
  jwtSecret: string;
  backendSecretKey: string;
  serviceToken: string;
  /** The gateway's signing keys: the first signs, all are accepted. */
  gatewaySigningKeys: SigningKey[];
  dataDir: string;
  sourceOf(name: SubgraphName): SourceMode;
  portOf(name: SubgraphName): number;
  urlOf(name: SubgraphName): string;
}

export class ConfigError extends Error {}

/** Reads and validates the environment once; the message names every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = schema.safeParse(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== '')));
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const dataDir = resolve(e.DATA_DIR);
  const secrets = resolveSecrets(e, dataDir);
  const upper = (n: SubgraphName) => n.toUpperCase() as Uppercase<SubgraphName>;
  const portOf = (n: SubgraphName) => e[`${upper(n)}_PORT`];
  return {
    ...e,
    ...secrets,
    dataDir,
    sourceOf: (n) => e[`${upper(n)}_SOURCE`],
    portOf,
    urlOf: (n) => e[`${upper(n)}_URL`] ?? `http://${e.HOST}:${portOf(n)}/graphql`,
  };
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
