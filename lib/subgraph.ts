import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { ApolloServer, HeaderMap, type ApolloServerPlugin, type BaseContext } from '@apollo/server';
import {
  ApolloServerPluginInlineTraceDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema, type GraphQLResolverMap } from '@apollo/subgraph';
import {
  BREAK,
  GraphQLError,
  parse,
  visit,
  type DocumentNode,
  type GraphQLFieldResolver,
  type GraphQLSchema,
} from 'graphql';
import { enforceAccess, type AccessPolicy } from './access.ts';
import { authenticateRequest, enforceAuthDirectives, type AuthState } from './auth.ts';
import type { Config, SubgraphName } from './config.ts';
import { signatureVerifier } from './signature.ts';
import { NODE_OWNER, resolveNodes, withGlobalIds } from './global-id.ts';
import { serviceEndpoint } from './service-call.ts';
import { formatError } from './errors.ts';
import { partialFailuresPlugin } from './partial-errors.ts';
import { refuseNulCharacters } from './limits.ts';
import { withStringLimits } from './string-limits.ts';
import { upstreamToGraphQLError } from './http-client.ts';
import { closeServer, listen } from './http-server.ts';
import { createLogger, type Logger } from './logger.ts';
import { operationSpanPlugin, startTelemetry, stopTelemetry, tracedHandler } from './telemetry.ts';
import {
  METRICS_CONTENT_TYPE,
  createServerRegistry,
  metricsText,
  processRegistry,
  subgraphMetricsPlugin,
  type Registry,
} from './metrics.ts';
import type { RecentViolation } from './upstream-contract.ts';
import { ROOT } from './paths.ts';
import { entities, ownSdl, subgraphStringLimits, subgraphTypeDefs } from './sdl.ts';
import {
  SubscriptionServer,
  requestParams,
  subscriptionLimitsOf,
  subscriptionOf,
  wantsEventStream,
  type SubscriptionConfig,
} from './subscriptions.ts';

/** Kept for modules that read the root from here; new code imports it from lib/paths.ts. */
export { ROOT };

/** What every resolver of every subgraph receives. */
export interface RequestContext {
  auth: AuthState;
  requestId: string;
  log: Logger;
  /** The incoming request's headers (e.g. X-Backend-Secret-Key); never logged. */
  headers: IncomingMessage['headers'];
  /** What resolvers add to the response's `extensions` (e.g. an idempotency key the layer gave, a warning). */
  extensions?: Record<string, unknown>;
}

/** Copies what resolvers put in `context.extensions` into the response's `extensions`. */
function responseExtensions<C extends RequestContext>(): ApolloServerPlugin<C> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ contextValue, response }) {
          const added = contextValue.extensions;
          if (!added || Object.keys(added).length === 0 || response.body.kind !== 'single') return;
          response.body.singleResult.extensions = { ...response.body.singleResult.extensions, ...added };
        },
      };
    },
  };
}

export interface HealthReport {
  up: boolean;
  source: 'local' | 'upstream';
  database?: { kind: string; up: boolean };
  /** Upstream mode: each upstream's answer to its health probe. */
  upstreams?: Record<string, 'up' | 'down'>;
  /** Upstream mode: routes that answered outside their contract recently (the subgraph is `degraded`). */
  contract?: RecentViolation[];
}

type RouteHandler = (req: IncomingMessage, res: ServerResponse, ctx: RequestContext) => Promise<void>;

export interface SubgraphApp<C extends RequestContext> {
  name: SubgraphName;
  /** The codegen-typed resolver map of the subgraph. */
  resolvers: object;
  /** Who may see each object type and field of the subgraph (its policy.ts): applied on every path. */
  policy: AccessPolicy;
  /** Adds the per-request parts (source, DataLoaders) to the base context. */
  context(base: RequestContext): C;
  health(): Promise<HealthReport>;
  /** Extra HTTP routes by path prefix, e.g. a certificate download. */
  routes?: Record<string, RouteHandler>;
  /** `Type.field` ID fields named after an entity that may hold another type's id: answered as they are. */
  localIdFields?: ReadonlySet<string>;
  /** Registers the app's own metrics (e.g. a queue depth read on scrape) on its /metrics registry. */
  metrics?(registry: Registry): void;
  close(): Promise<void>;
}

export interface RunningSubgraph {
  url: string;
  port: number;
  server: Server;
  stop(): Promise<void>;
}

/** Where `@apollo/subgraph` keeps a type's `__resolveReference`. */
type Entity = {
  extensions: { apollo?: { subgraph?: { resolveReference?: (ref: object, ctx: unknown, info: unknown) => unknown } } };
};

/**
 * The executable schema of a subgraph, with global ids (and, for the owner, `node`/`nodes`), its
 * access policy applied to every field (and, for the owner of `Node`, the entity types it only
 * stubs declared as their owners').
 */
export function subgraphSchema(
  app: SubgraphApp<RequestContext>,
  config: Pick<Config, 'serviceToken' | 'urlOf' | 'UPSTREAM_TIMEOUT_MS'>,
): GraphQLSchema {
  const resolvers = { ...(app.resolvers as GraphQLResolverMap<RequestContext>) };
  const catalogue = entities();
  let policy = app.policy;
  // The finished schema, which `node` reads entity types from once requests arrive.
  const finished: { schema?: GraphQLSchema } = {};
  if (app.name === NODE_OWNER) {
    const defined = new Set(
      parse(ownSdl(app.name)).definitions.flatMap((d) => ('name' in d && d.name ? [d.name.value] : [])),
    );
    const stubs = [...catalogue.owners].filter(([type]) => !defined.has(type));
    policy = { ...Object.fromEntries(stubs.map(([type, owner]) => [type, { reference: owner }])), ...policy };
    const endpoint = (name: SubgraphName) => serviceEndpoint(config, name);
    const nodes = (ids: readonly string[], single: boolean, ctx: RequestContext, info: unknown) =>
      resolveNodes(ids, single, ctx, catalogue, {
        endpoint,
        // A type this subgraph owns is read here by its reference resolver, as `_entities` would.
        resolveHere: (ref) => {
          if (catalogue.owners.get(ref.__typename) !== app.name) return undefined;
          const type = finished.schema!.getType(ref.__typename) as Entity | undefined;
          const resolveReference = type?.extensions.apollo?.subgraph?.resolveReference;
          return resolveReference ? resolveReference(ref, ctx, info) : undefined;
        },
      });
    resolvers.Query = {
      ...(resolvers.Query as Record<string, GraphQLFieldResolver<unknown, RequestContext>>),
      node: async (_root: unknown, { id }: { id: string }, ctx: RequestContext, info: unknown) => {
        const [answer] = await nodes([id], true, ctx, info);
        if (answer instanceof GraphQLError) throw answer;
        return answer;
      },
      nodes: (_root: unknown, { ids }: { ids: string[] }, ctx: RequestContext, info: unknown) =>
        nodes(ids, false, ctx, info),
    };
    resolvers.Node = { __resolveType: (ref: { __typename: string }) => ref.__typename };
  }
  const built = buildSubgraphSchema([
    { typeDefs: subgraphTypeDefs(app.name), resolvers: resolvers as GraphQLResolverMap<unknown> },
  ]);
  // Lengths are checked outermost: on the ids as the client sent them, before they are decoded.
  finished.schema = withStringLimits(
    enforceAccess(withGlobalIds(built, catalogue, app.localIdFields), policy),
    subgraphStringLimits(app.name),
  );
  return finished.schema;
}

class BodyTooLargeError extends Error {}

/** The request body, refused as soon as it (or its declared length) exceeds `maxBytes`. */
async function readBody(req: IncomingMessage, maxBytes: number): Promise<string> {
  if (Number(req.headers['content-length'] ?? 0) > maxBytes) throw new BodyTooLargeError();
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) throw new BodyTooLargeError();
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Federation's and introspection's entry points: they answer any type's data and the whole schema. */
const INTERNAL_FIELDS = new Set(['_entities', '_service', '__schema', '__type']);

function selectsInternalField(document: DocumentNode): string | null {
  let found: string | null = null;
  visit(document, {
    Field(node) {
      if (!INTERNAL_FIELDS.has(node.name.value)) return undefined;
      found = node.name.value;
      return BREAK;
    },
  });
  return found;
}

/**
 * `_entities`, `_service` and introspection answer only requests the gateway signed or that carry
 * the service credential: a direct caller, even with a user token, must go through the gateway.
 */
function internalFieldsForTrustedCallers<C extends RequestContext>(): ApolloServerPlugin<C> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ contextValue, document }) {
          const field = selectsInternalField(document);
          if (field && !contextValue.auth.trusted) {
            throw new GraphQLError(`${field} is answered only to the gateway; send the query to the gateway`, {
              extensions: { code: 'FORBIDDEN', http: { status: 403 } },
            });
          }
        },
      };
    },
  };
}

function sendJson(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}

/** Unwraps a resolver error to the upstream failure it came from, if any. */
function mappedError(error: unknown): GraphQLError | null {
  const original = error instanceof GraphQLError ? error.originalError : error;
  return upstreamToGraphQLError(original);
}

/**
 * Serves a subgraph over HTTP with Apollo Server 5 on node:http: POST/GET /graphql, GET /health
 * and the app's own routes. Every request verifies the bearer token itself.
 */
export async function serveSubgraph<C extends RequestContext>(
  app: SubgraphApp<C>,
  config: Pick<
    Config,
    | 'LOG_LEVEL'
    | 'jwtSecret'
    | 'serviceToken'
    | 'gatewaySigningKeys'
    | 'HOST'
    | 'SUBGRAPH_MAX_BODY_BYTES'
    | 'SHUTDOWN_TIMEOUT_MS'
    | 'UPSTREAM_TIMEOUT_MS'
    | 'urlOf'
  > &
    Partial<SubscriptionConfig>,
  port: number,
): Promise<RunningSubgraph> {
  const log = createLogger(app.name, config.LOG_LEVEL);
  const metrics = createServerRegistry(app.name);
  app.metrics?.(metrics);
  const schema = enforceAuthDirectives(subgraphSchema(app as unknown as SubgraphApp<RequestContext>, config));
  const signedByGateway = signatureVerifier(config.gatewaySigningKeys);
  // Subscriptions (GraphQL over SSE) when the subgraph has a Subscription type (lib/subscriptions.ts).
  const live = schema.getSubscriptionType()
    ? new SubscriptionServer(schema, subscriptionLimitsOf(config), log, metrics)
    : null;
  const apollo = new ApolloServer<C>({
    schema,
    introspection: true,
    plugins: [
      ApolloServerPluginLandingPageDisabled(),
      ApolloServerPluginInlineTraceDisabled(),
      internalFieldsForTrustedCallers<C>(),
      refuseNulCharacters,
      partialFailuresPlugin,
      subgraphMetricsPlugin<C>(metrics),
      operationSpanPlugin<C>(),
      responseExtensions<C>(),
    ],
    includeStacktraceInErrorResponses: false,
    // The process stops it after its HTTP server has finished the requests in flight (stopOnSignals).
    stopOnTerminationSignals: false,
    formatError: (formatted, error) => {
      const upstream = mappedError(error);
      if (upstream)
        return {
          message: upstream.message,
          path: formatted.path,
          locations: formatted.locations,
          extensions: upstream.extensions,
        };
      return formatError(formatted, error, (err) => log.error({ err }, 'unexpected error'));
    },
  });
  await apollo.start();

  const server = createServer(
    tracedHandler(app.name, async (req, res) => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const requestId = String(req.headers['x-request-id'] ?? randomUUID());
      res.setHeader('x-request-id', requestId);
      try {
        if (url.pathname === '/health') {
          const report = await app.health();
          return sendJson(res, report.up ? 200 : 503, {
            name: app.name,
            status: !report.up ? 'down' : report.contract?.length ? 'degraded' : 'up',
            ...report,
          });
        }
        if (url.pathname === '/metrics' && req.method === 'GET') {
          res.writeHead(200, { 'content-type': METRICS_CONTENT_TYPE });
          return res.end(await metricsText(metrics, processRegistry));
        }
        const route = Object.entries(app.routes ?? {}).find(([prefix]) => url.pathname.startsWith(prefix));
        if (!route && url.pathname !== '/graphql') return sendJson(res, 404, { error: 'Not found' });
        let raw = '';
        if (req.method === 'POST') {
          try {
            raw = await readBody(req, config.SUBGRAPH_MAX_BODY_BYTES);
          } catch (error) {
            if (!(error instanceof BodyTooLargeError)) throw error;
            // The rest of the body is not read: the connection closes after the answer.
            res.setHeader('connection', 'close');
            return sendJson(res, 413, {
              errors: [
                {
                  message: `Request body is larger than ${config.SUBGRAPH_MAX_BODY_BYTES} bytes`,
                  extensions: { code: 'PAYLOAD_TOO_LARGE' },
                },
              ],
            });
          }
        }
        const signed = () => {
          const check = signedByGateway({
            method: req.method ?? 'GET',
            path: req.url ?? '/',
            body: raw,
            authorization: req.headers.authorization ?? null,
            headers: req.headers,
          });
          if (!check.ok && check.reason !== 'missing')
            log.debug(
              { requestId, reason: check.reason },
              'gateway signature refused: the request counts as anonymous',
            );
          return check.ok;
        };
        const auth = await authenticateRequest(req.headers, signed, config);
        const base: RequestContext = {
          auth,
          requestId,
          log: log.child({ requestId }),
          headers: req.headers,
          extensions: {},
        };
        if (route) return await route[1](req, res, base);
        if (live && wantsEventStream(req)) {
          let parsed: unknown = null;
          try {
            parsed = raw ? JSON.parse(raw) : null;
          } catch {
            parsed = null;
          }
          const subscription = subscriptionOf(requestParams(url, parsed));
          if (subscription) return await live.serve(req, res, subscription, auth, () => app.context(base));
        }

        const headers = new HeaderMap();
        for (const [key, value] of Object.entries(req.headers)) {
          if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
        }
        let body: unknown = undefined;
        if (req.method === 'POST') {
          try {
            body = raw ? JSON.parse(raw) : {};
          } catch {
            return sendJson(res, 400, {
              errors: [{ message: 'Request body is not valid JSON', extensions: { code: 'BAD_REQUEST' } }],
            });
          }
        }
        const result = await apollo.executeHTTPGraphQLRequest({
          httpGraphQLRequest: { method: req.method ?? 'GET', headers, search: url.search, body },
          context: async () => app.context(base),
        });
        for (const [key, value] of result.headers) res.setHeader(key, value);
        res.statusCode = result.status ?? 200;
        if (result.body.kind === 'complete') return res.end(result.body.string);
        for await (const chunk of result.body.asyncIterator) res.write(chunk);
        res.end();
      } catch (err) {
        log.error({ err, requestId }, 'request failed');
        if (!res.headersSent)
          sendJson(res, 500, {
            errors: [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }],
          });
        else res.end();
      }
    }),
  );
  server.keepAliveTimeout = 65_000;
  const actual = await listen(server, config.HOST, port).catch(async (error: unknown) => {
    await apollo.stop();
    throw error;
  });
  log.info({ port: actual }, `${app.name} subgraph ready at http://${config.HOST}:${actual}/graphql`);
  return {
    url: `http://${config.HOST}:${actual}/graphql`,
    port: actual,
    server,
    async stop() {
      // Open streams end first (SHUTTING_DOWN, then complete): the server then has no request left to wait for.
      live?.closeAll();
      await closeServer(server, config.SHUTDOWN_TIMEOUT_MS);
      await apollo.stop();
      await app.close();
    },
  };
}

/** The generic context type Apollo needs when none is set. */
export type { BaseContext };

/** Health of a subgraph that is its own system of record. */
export function databaseHealth(db: { kind: string; ping(): Promise<boolean> }): () => Promise<HealthReport> {
  return async () => {
    const up = await db.ping();
    return { up, source: 'local', database: { kind: db.kind, up } };
  };
}

/**
 * Entry point of a subgraph process: validates config, opens its source (exiting with one line
 * naming the database host when it cannot), serves, and stops cleanly on SIGTERM and Ctrl-C.
 */
export async function runSubgraphProcess<C extends RequestContext>(
  name: SubgraphName,
  create: (config: Config) => Promise<SubgraphApp<C>>,
): Promise<void> {
  const { loadConfigOrExit, orExit, stopOnSignals } = await import('./process.ts');
  const config = await loadConfigOrExit();
  const app = await orExit(() => create(config));
  await startTelemetry(name);
  const running = await serveSubgraph(app, config, config.portOf(name));
  stopOnSignals(async () => {
    await running.stop();
    await stopTelemetry();
  });
}
