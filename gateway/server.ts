// The gateway: Hive Gateway runtime with the Rust query planner over the checked-in supergraph.
// It forwards the caller's headers to the subgraphs in signed requests; each subgraph authenticates
// the caller and applies its own access rules (the gateway removes no field: see docs/access.md).
// It serves /, /health and the landing page.
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import {
  createGatewayRuntime,
  Logger,
  type GatewayConfigContext,
  type GatewayPlugin,
  type LogWriter,
} from '@graphql-hive/gateway-runtime';
import { unifiedGraphHandler } from '@graphql-hive/router-runtime';
import { maskError as yogaMaskError } from 'graphql-yoga';
import { GraphQLError } from 'graphql';
import { loadConfig, type Config, type SubgraphAddress } from '../lib/config.ts';
import { createLogger, scrubForLog, type Logger as PinoLogger } from '../lib/logger.ts';
import { createServerRegistry } from '../lib/metrics.ts';
import { gatewayMetricsPlugin } from './metrics.ts';
import { startTelemetry, stopTelemetry, tracingEnabled } from '../lib/telemetry.ts';
import type { useOpenTelemetry } from '@graphql-hive/plugin-opentelemetry';
import { closeServer, listen } from '../lib/http-server.ts';
import { ROOT } from '../lib/paths.ts';
import { certificateProxy, publicOriginHeaders } from './certificates.ts';
import { boundedParserCache, createDocumentCache } from './document-cache.ts';
import { appRoutes } from './app.ts';
import { developmentSignIn } from './sign-in.ts';
import { checkHealth } from './health.ts';
import { allowedMethods, executedResultsKeepData, isProduction, noIntrospection } from './http.ts';
import { corsPolicy, varyOnOrigin } from './cors.ts';
import { compression } from './compression.ts';
import { noSchemaSuggestions } from './suggestions.ts';
import { refuseUnsupportedOperations } from './unsupported-operations.ts';
import { queryLimits, type QueryLimits } from './limits.ts';
import { persistedOperations, redisPersistedStore } from './persisted.ts';
import {
  cacheHintsOf,
  memoryResponseStore,
  redisResponseStore,
  responseCache,
  type CacheHints,
} from './response-cache.ts';
import { subgraphFetch, subgraphHttpTransport } from './subgraph-transport.ts';
import { publicFetches, type PublicFetches } from './public-fetches.ts';
import { bodyLimit, withoutRuntimeBodyLimit } from './body-limit.ts';
import { verifiedCaller, type CallerContext } from './caller.ts';
import { forwardedExtensions } from './forwarded-extensions.ts';
import { specNullPropagation } from './null-propagation.ts';
import { checkScalarLiterals } from './scalar-literals.ts';
import { clientIdentities, clientNames } from './client-identity.ts';
import { trustedDocumentsOf } from './client-documents.ts';
import { deprecatedFieldUsage } from './deprecated-fields.ts';
import { trustedTools } from './trusted-tools.ts';
import { subgraphFailure } from './subgraph-failure.ts';
import { serveWebSockets, subscriptionStreams } from './subscriptions.ts';

const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

/** Headers a client may send that subgraphs need: identity, backend key, tracing. */
const FORWARDED_HEADERS = ['authorization', 'x-backend-secret-key', 'x-request-id'];

const readSupergraph = () => readFileSync(join(ROOT, 'schema', 'supergraph.graphql'), 'utf8');

/**
 * The subgraphs the checked-in supergraph composes, each with the port of the URL the composition
 * wrote (its manifest's default port), in the order of those ports (subgraphs/index.ts's): the
 * gateway knows the subgraphs from the supergraph alone, and `<NAME>_URL` / `<NAME>_PORT` say
 * where each one runs.
 */
export function supergraphSubgraphs(sdl = readSupergraph()): SubgraphAddress[] {
  return [...sdl.matchAll(/@join__graph\(name: "([^"]+)", url: "([^"]*)"\)/g)]
    .map(([, name, url]) => ({ name: name!, port: Number(new URL(url!).port) }))
    .sort((a, b) => a.port - b.port);
}

/** The gateway's configuration: the shared variables and where each subgraph of the supergraph runs. */
export const loadGatewayConfig = (env: NodeJS.ProcessEnv = process.env): Config =>
  loadConfig(env, supergraphSubgraphs());

/** The checked-in supergraph with each subgraph's URL taken from the configuration. */
export function loadSupergraph(config: Pick<Config, 'urlOf'>): string {
  let sdl = readSupergraph();
  for (const { name } of supergraphSubgraphs(sdl)) {
    sdl = sdl.replace(new RegExp(`(@join__graph\\(name: "${name}", url: ")[^"]*(")`), `$1${config.urlOf(name)}$2`);
  }
  return sdl;
}

export interface RunningGateway {
  url: string;
  port: number;
  server: Server;
  /** Parse results by query text, bounded in entries and bytes. */
  documentCache: { readonly size: number; readonly bytes: number };
  stop(): Promise<void>;
}

/** The query limits of a configuration. */
export function limitsOf(config: Config): QueryLimits {
  return {
    maxTokens: config.GATEWAY_MAX_TOKENS,
    maxAliases: config.GATEWAY_MAX_ALIASES,
    maxDirectives: config.GATEWAY_MAX_DIRECTIVES,
    maxSelections: config.GATEWAY_MAX_SELECTIONS,
    maxDepth: config.GATEWAY_MAX_DEPTH,
    maxCost: config.GATEWAY_MAX_COST,
  };
}

/** The runtime's own log lines go through the service logger, which masks personal data and secrets. */
function runtimeLogger(log: PinoLogger, level: Config['LOG_LEVEL']): Logger {
  const writer: LogWriter = {
    write(lineLevel, attrs, msg) {
      log[lineLevel](scrubForLog(attrs ?? {}) as object, msg ?? undefined);
    },
  };
  return new Logger({ level: level === 'silent' ? false : level === 'fatal' ? 'error' : level, writers: [writer] });
}

/** GET /health (every subgraph's and database's status) and GET / (API information and links). */
function systemRoutes(config: Config): GatewayPlugin {
  return {
    async onRequest({ request, url, endResponse, fetchAPI }) {
      if (request.method !== 'GET') return;
      if (url.pathname === '/health') {
        const report = await checkHealth(config);
        endResponse(fetchAPI.Response.json(report, { status: report.status === 'up' ? 200 : 503 }));
      } else if (url.pathname === '/') {
        endResponse(
          fetchAPI.Response.json({
            name: 'carbon-federation',
            description: 'One GraphQL API over the carbon market: marketplace, payments, registry and footprints.',
            version: VERSION,
            links: {
              graphql: `${url.origin}/graphql`,
              landingPage: `${url.origin}/graphql`,
              // The offset page: a product's year offset end to end, followed live.
              offsetPage: `${url.origin}/app/`,
              health: `${url.origin}/health`,
            },
            subgraphs: config.subgraphs,
          }),
        );
      }
    },
  };
}

/** What the gateway's plugins share: its parts built once per gateway. */
interface GatewayParts {
  config: Config;
  supergraph: string;
  documentCache: ReturnType<typeof createDocumentCache>;
  metrics: ReturnType<typeof createServerRegistry>;
  streams: ReturnType<typeof subscriptionStreams>;
  clients: ReturnType<typeof clientIdentities>;
  tools: ReturnType<typeof trustedTools>;
  persisted: ReturnType<typeof persistedOperations>;
  responses: ReturnType<typeof responseStoreOf>;
  /** The cache hints of the supergraph (@cacheControl, and what depends on the caller). */
  hints: CacheHints;
  /** Fetches of public fields kept in the response store (public-fetches.ts); none without a store. */
  fetches?: PublicFetches;
  production: boolean;
  openTelemetry?: typeof useOpenTelemetry;
  observers: GatewayPlugin[];
}

/** The gateway's plugins, in the order they run. */
function gatewayPlugins(ctx: GatewayConfigContext, parts: GatewayParts): GatewayPlugin[] {
  const { config, documentCache, metrics, streams, clients, tools, persisted, responses, hints, fetches } = parts;
  const { production, openTelemetry, observers } = parts;
  return [
    clients.plugin,
    gatewayMetricsPlugin(ctx.log, metrics, clients.of),
    streams.plugin,
    deprecatedFieldUsage(metrics, clients.of),
    // Nulls propagated across subgraph fetches as the spec asks (answers with errors only).
    specNullPropagation(),
    // A write's idempotency key given by the layer and warnings about an accepted write reach the client.
    forwardedExtensions(),
    // Traces (only when tracing is on): the request, its plan and each subgraph fetch, with traceparent to the subgraphs.
    ...(openTelemetry ? [openTelemetry({ ...ctx, traces: true })] : []),
    // Brotli, gzip or deflate as the client weighs them, with Vary; compressed request bodies.
    compression,
    varyOnOrigin(config),
    systemRoutes(config),
    certificateProxy(config),
    // The offset page at /app, and its development-only sign-in.
    developmentSignIn(config),
    appRoutes(),
    bodyLimit(config.GATEWAY_MAX_BODY_BYTES),
    boundedParserCache(documentCache),
    queryLimits(limitsOf(config)),
    checkScalarLiterals,
    refuseUnsupportedOperations(),
    // The response cache keeps PRIVATE answers per verified caller.
    ...(responses ? [verifiedCaller(config.jwtSecret), responseCache(responses, hints)] : []),
    ...(fetches ? [fetches.plugin] : []),
    requestErrorStatus,
    persisted.plugin,
    executedResultsKeepData,
    allowedMethods,
    tools.plugin,
    ...(production ? [noSchemaSuggestions] : []),
    ...observers,
  ];
}

/** Automatic persisted queries: in memory, or in Redis shared by every replica when REDIS_URL is set. */
function persistedOperationsOf(
  config: Config,
  log: PinoLogger,
  trusted: ReturnType<typeof trustedDocumentsOf>,
  tools: ReturnType<typeof trustedTools>,
) {
  return persistedOperations({
    maxEntries: config.GATEWAY_APQ_ENTRIES,
    maxBytes: config.GATEWAY_APQ_BYTES,
    shared: config.REDIS_URL
      ? redisPersistedStore(
          config.REDIS_URL,
          { ttlSeconds: config.GATEWAY_APQ_TTL_SECONDS, commandTimeoutMs: config.REDIS_COMMAND_TIMEOUT_MS },
          log,
        )
      : undefined,
    trusted: trusted?.for,
    admits: tools.admits,
  });
}

/** Answers of queries with @cacheControl hints (see response-cache.ts): Redis, memory, or off with 0 entries. */
function responseStoreOf(config: Config, log: PinoLogger) {
  return config.REDIS_URL
    ? redisResponseStore(config.REDIS_URL, config.REDIS_COMMAND_TIMEOUT_MS, log)
    : config.GATEWAY_RESPONSE_CACHE_ENTRIES > 0
      ? memoryResponseStore({
          maxEntries: config.GATEWAY_RESPONSE_CACHE_ENTRIES,
          maxBytes: config.GATEWAY_RESPONSE_CACHE_BYTES,
        }).store
      : undefined;
}

/** The Hive Gateway runtime over the supergraph: transport, GraphiQL, CORS, errors, timeouts, headers and plugins. */
function gatewayRuntime(parts: GatewayParts, log: PinoLogger) {
  const { config, supergraph, production } = parts;
  return createGatewayRuntime<CallerContext>({
    supergraph,
    unifiedGraphHandler,
    transports: { http: subgraphHttpTransport(config.gatewaySigningKeys[0]!, parts.fetches) },
    // Subgraph requests on keep-alive connections, their answers read as text (subgraph-transport.ts).
    fetchAPI: { fetch: subgraphFetch },
    logging: runtimeLogger(log, config.LOG_LEVEL),
    graphqlEndpoint: '/graphql',
    landingPage: false,
    // Self-contained GraphiQL: works with no internet access (no CDN assets); off in production.
    graphiql: production ? false : { title: 'Carbon market GraphQL API', defaultQuery: DEFAULT_QUERY },
    cors: corsPolicy(config),
    // The self-contained page is 9 MB of script: loaded on the first GraphiQL request, never at start.
    renderGraphiQL: async (opts) => (await import('@graphql-yoga/render-graphiql')).renderGraphiQL(opts),
    maskedErrors: { maskError: maskGatewayError },
    // Identical in-flight requests share one execution; the key includes every header, so two
    // callers with different Authorization never share a request or a response.
    inboundInflightRequestDeduplication: config.GATEWAY_DEDUPLICATE_INFLIGHT,
    // A subgraph that does not answer in time fails its part only (UPSTREAM_TIMEOUT). A
    // subscription's stream lasts as long as it has events to send (docs/live-updates.md).
    upstreamTimeout: ({ executionRequest }) =>
      executionRequest?.operationType === 'subscription' ? undefined : config.GATEWAY_SUBGRAPH_TIMEOUT_MS,
    propagateHeaders: {
      // Only the listed client headers pass; the transport signs each request (subgraph-transport.ts).
      fromClientToSubgraphs: ({ request }) => ({
        ...Object.fromEntries(FORWARDED_HEADERS.map((h) => [h, request.headers.get(h)]).filter(([, v]) => v)),
        // The marketplace signs certificate links on the gateway's public origin, which proxies them.
        ...publicOriginHeaders(config, request),
      }),
    },
    plugins: (ctx) => gatewayPlugins(ctx, parts),
  });
}

/**
 * `openTelemetry`: the tracing plugin, given (and loaded) only when tracing is on. `observers`:
 * plugins added after the gateway's own (tests watch query plans with them).
 */
export function createGateway(
  config: Config,
  openTelemetry?: typeof useOpenTelemetry,
  observers: GatewayPlugin[] = [],
) {
  const log = createLogger('gateway', config.LOG_LEVEL);
  const supergraph = loadSupergraph(config);
  const documentCache = createDocumentCache({
    maxEntries: config.GATEWAY_DOCUMENT_CACHE_ENTRIES,
    maxBytes: config.GATEWAY_DOCUMENT_CACHE_BYTES,
  });
  // GET /metrics: this gateway's operations and subgraph fetches, plus the Node process metrics.
  const metrics = createServerRegistry('gateway');
  // Subscription streams: counted, and ended cleanly when the gateway stops (subscriptions.ts).
  const streams = subscriptionStreams(metrics);
  const production = isProduction(config);
  // Who a request says it is (graphql-client-name): logs, traces, metric labels, its trusted documents.
  const knownClients = clientNames(config.GATEWAY_CLIENT_NAMES);
  const clients = clientIdentities(knownClients);
  const trusted = trustedDocumentsOf(config, log, clients.of);
  for (const name of trusted?.clients ?? []) knownClients.add(name);
  // Introspection and GET /schema.graphql for an admin or the service credential, also in production.
  const tools = trustedTools({
    production,
    jwtSecret: config.jwtSecret,
    serviceToken: config.serviceToken,
    refusal: noIntrospection,
  });
  const persisted = persistedOperationsOf(config, log, trusted, tools);
  const responses = responseStoreOf(config, log);
  const hints = cacheHintsOf(supergraph);
  const parts: GatewayParts = {
    config,
    supergraph,
    documentCache,
    metrics,
    streams,
    clients,
    tools,
    persisted,
    responses,
    hints,
    fetches: responses && publicFetches(responses, hints, metrics),
    production,
    openTelemetry,
    observers,
  };

  const runtime = withoutRuntimeBodyLimit(gatewayRuntime(parts, log));
  return { runtime, log, documentCache, persisted, responses, streams };
}

/**
 * Deliberate errors pass as they are; a subgraph that cannot be reached or did not answer in
 * time is named (so a client knows which part of its data is missing); anything else is masked.
 */
function maskGatewayError(error: unknown, message: string, isDev?: boolean): Error {
  const failure = subgraphFailure(error);
  if (failure) {
    const path = error instanceof GraphQLError ? error.path : undefined;
    const { service, timedOut } = failure;
    return timedOut
      ? new GraphQLError(`The ${service} subgraph did not answer in time`, {
          path,
          extensions: { code: 'UPSTREAM_TIMEOUT', serviceName: service },
        })
      : new GraphQLError(`The ${service} subgraph is unavailable`, {
          path,
          extensions: { code: 'UPSTREAM_UNAVAILABLE', serviceName: service },
        });
  }
  return yogaMaskError(error, message, isDev);
}

/** Codes of GraphQL request errors of a well-formed request; no code is a variable coercion failure. */
const REQUEST_ERROR_CODES = new Set([undefined, 'GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED']);

/**
 * The status and headers a refused request keeps. A GraphQL request error (syntax, unknown field,
 * variable coercion: `spec`) is 400 for graphql-response+json and 200 for application/json, as the
 * GraphQL-over-HTTP spec asks; any other refusal (a body that is not a GraphQL request, 413 for a
 * body too large, a limit, a persisted-operation refusal) keeps its status for every client.
 */
function httpOf(http: unknown, code: unknown): { status: number; spec?: true; headers?: Record<string, string> } {
  const { status, headers } = (http ?? {}) as { status?: unknown; headers?: Record<string, string> };
  const spec = REQUEST_ERROR_CODES.has(code as string | undefined);
  return {
    status: typeof status === 'number' ? status : 400,
    ...(spec ? { spec: true as const } : {}),
    ...(headers ? { headers } : {}),
  };
}

/**
 * A request that could not run at all (bad JSON, syntax, unknown field, wrong variable type) has
 * GraphQL errors with a stable code and the status `httpOf` gives it.
 */
const requestErrorStatus: GatewayPlugin = {
  onResultProcess({ result, setResult }) {
    if (Array.isArray(result) || !result || typeof result !== 'object' || !('errors' in result) || 'data' in result)
      return;
    const errors = (result.errors ?? []) as GraphQLError[];
    if (errors.length === 0) return;
    setResult({
      ...result,
      errors: errors.map((e) => {
        const { http, originalError: _original, ...extensions } = (e.extensions ?? {}) as Record<string, unknown>;
        return new GraphQLError(e.message, {
          nodes: e.nodes,
          positions: e.positions,
          source: e.source,
          extensions: { code: 'BAD_USER_INPUT', ...extensions, http: httpOf(http, extensions.code) },
        });
      }),
    });
  },
};

export async function serveGateway(
  config: Config,
  port = config.GATEWAY_PORT,
  observers: GatewayPlugin[] = [],
): Promise<RunningGateway> {
  const openTelemetry = tracingEnabled()
    ? (await import('@graphql-hive/plugin-opentelemetry')).useOpenTelemetry
    : undefined;
  const { runtime, log, documentCache, persisted, responses, streams } = createGateway(
    config,
    openTelemetry,
    observers,
  );
  const server = createServer(runtime);
  // Subscriptions over WebSocket (graphql-ws) on the same port and path as GraphQL over HTTP.
  const websockets = await serveWebSockets(
    server,
    (request, serverContext) => runtime.fetch(request, serverContext),
    log,
  );
  const actual = await listen(server, config.HOST, port);
  log.info(`gateway ready at http://${config.HOST}:${actual}/graphql`);
  return {
    url: `http://${config.HOST}:${actual}/graphql`,
    port: actual,
    server,
    documentCache,
    async stop() {
      // Open streams end first (SHUTTING_DOWN, then complete), so no request is left to wait for.
      streams.closeAll();
      await websockets?.close();
      await closeServer(server);
      await runtime.dispose();
      await persisted.close();
      await responses?.close();
    },
  };
}

export const DEFAULT_QUERY = `# One request across subgraphs: the catalogue (marketplace), an NFT's credit in the registry,
# Puro inventory (registry) and payment statistics (payments). For me { ... }, orders and the
# footprints, sign in with the authenticate mutation and add an Authorization header below.
query Overview {
  products(first: 3) {
    totalCount
    nodes { name pricePerTonne { amount currency } supplier { name } }
  }
  nft(id: "de050000-0000-4000-8000-000000000001") {
    name
    tokenId
    credit { serialization vintage }
  }
  puroInventory(first: 3) { nodes { id vintage } }
  paymentStats { global { transactionCount volumes { volume { amount currency } } } }
}
`;

if (import.meta.main) {
  const { loadConfigOrExit, orExit, stopOnSignals } = await import('../lib/process.ts');
  const config = await loadConfigOrExit(() => loadGatewayConfig());
  await startTelemetry('gateway');
  const gateway = await orExit(() => serveGateway(config));
  stopOnSignals(async () => {
    await gateway.stop();
    await stopTelemetry();
  });
}
