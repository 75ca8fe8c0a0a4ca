// The gateway: Hive Gateway runtime with the Rust query planner over the checked-in supergraph.
// It verifies the bearer token, enforces @authenticated/@requiresScopes, forwards the caller's
// headers to the subgraphs (which verify again), and serves /, /health and the landing page.
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { createGatewayRuntime, type GatewayPlugin } from '@graphql-hive/gateway-runtime';
import { unifiedGraphHandler } from '@graphql-hive/router-runtime';
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import { maskError as yogaMaskError } from 'graphql-yoga';
import { GraphQLError, Kind, type DocumentNode, type FragmentDefinitionNode, type OperationDefinitionNode, type SelectionSetNode, type ValidationRule } from 'graphql';
import { GATEWAY_PROOF_HEADER, gatewayProof, verifyToken, bearerToken, type Viewer } from '../lib/auth.ts';
import { SUBGRAPHS, type Config } from '../lib/config.ts';
import { createLogger } from '../lib/logger.ts';
import { createServerRegistry, gatewayMetricsPlugin } from '../lib/metrics.ts';
import { startTelemetry, stopTelemetry, tracingEnabled } from '../lib/telemetry.ts';
import { useOpenTelemetry } from '@graphql-hive/plugin-opentelemetry';
import { closeServer, listen } from '../lib/http-server.ts';
import { ROOT } from '../lib/subgraph.ts';
import { checkHealth } from './health.ts';

const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

/** Headers a client may send that subgraphs need: identity, backend key, tracing. */
const FORWARDED_HEADERS = ['authorization', 'x-backend-secret-key', 'x-request-id'];

/** The checked-in supergraph with each subgraph's URL taken from the configuration. */
export function loadSupergraph(config: Config): string {
  let sdl = readFileSync(join(ROOT, 'schema', 'supergraph.graphql'), 'utf8');
  for (const name of SUBGRAPHS) {
    sdl = sdl.replace(new RegExp(`(@join__graph\\(name: "${name}", url: ")[^"]*(")`), `$1${config.urlOf(name)}$2`);
  }
  return sdl;
}

interface AuthContext {
  currentUser?: (Viewer & { scope: string }) | null;
  authProblem?: string | null;
}

function authError(code: 'UNAUTHENTICATED' | 'FORBIDDEN', message: string, path: readonly (string | number)[]) {
  return new GraphQLError(message, { path, extensions: { code } });
}

export interface RunningGateway {
  url: string;
  port: number;
  server: Server;
  stop(): Promise<void>;
}

export function createGateway(config: Config) {
  const log = createLogger('gateway', config.LOG_LEVEL);
  const supergraph = loadSupergraph(config);
  // GET /metrics: this gateway's operations and subgraph fetches, plus the Node process metrics.
  const metrics = createServerRegistry('gateway');

  const systemRoutes: GatewayPlugin = {
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
              health: `${url.origin}/health`,
            },
            subgraphs: SUBGRAPHS,
          }),
        );
      }
    },
  };

  const runtime = createGatewayRuntime<AuthContext>({
    supergraph,
    unifiedGraphHandler,
    logging: config.LOG_LEVEL === 'silent' ? false : config.LOG_LEVEL === 'fatal' ? 'error' : (config.LOG_LEVEL as 'info'),
    graphqlEndpoint: '/graphql',
    landingPage: false,
    // Self-contained GraphiQL: works with no internet access (no CDN assets).
    graphiql: { title: 'Carbon market GraphQL API', defaultQuery: DEFAULT_QUERY },
    renderGraphiQL,
    maskedErrors: { maskError: maskGatewayError },
    // Identical in-flight requests share one execution; the key includes every header, so two
    // callers with different Authorization never share a request or a response.
    inboundInflightRequestDeduplication: config.GATEWAY_DEDUPLICATE_INFLIGHT,
    propagateHeaders: {
      // Only the listed client headers pass, plus the gateway's own proof (never a client's copy).
      fromClientToSubgraphs: ({ request }) => ({
        ...Object.fromEntries(FORWARDED_HEADERS.map((h) => [h, request.headers.get(h)]).filter(([, v]) => v)),
        [GATEWAY_PROOF_HEADER]: gatewayProof(config.serviceToken),
      }),
    },
    genericAuth: {
      mode: 'protect-granular',
      // Unauthorised fields are removed with an error; the rest of the query still runs.
      rejectUnauthenticated: false,
      async resolveUserFn(context) {
        const token = bearerToken(context.request.headers.get('authorization'));
        if (!token) return null;
        try {
          const viewer = await verifyToken(token, config.jwtSecret);
          return { ...viewer, scope: viewer.scopes.join(' ') };
        } catch (error) {
          (context as AuthContext).authProblem = error instanceof Error ? error.message : 'Token is invalid';
          return null;
        }
      },
      validateUser({ user, fieldAuthArgs, typeAuthArgs, fieldScopes, typeScopes, userScopes, path, executionArgs }) {
        const scopes = fieldScopes ?? typeScopes;
        if (!user && (fieldAuthArgs || typeAuthArgs || scopes)) {
          const problem = (executionArgs.contextValue as AuthContext).authProblem;
          return authError('UNAUTHENTICATED', problem ?? 'Authentication required', path);
        }
        if (scopes && !scopes.some((all) => all.every((s) => userScopes.includes(s)))) {
          return authError('FORBIDDEN', `Requires scope ${scopes.map((all) => all.join(' and ')).join(' or ')}`, path);
        }
        return undefined;
      },
    },
    plugins: (ctx) => [
      gatewayMetricsPlugin(ctx.log, metrics),
      // Traces (only when tracing is on): the request, its plan and each subgraph fetch, with traceparent to the subgraphs.
      ...(tracingEnabled() ? [useOpenTelemetry({ ...ctx, traces: true })] : []),
      systemRoutes, depthLimit(config.GATEWAY_MAX_DEPTH), nothingLeftToExecute, requestErrorsAre400],
  });
  return { runtime, log };
}

/** Codes of failures to reach a subgraph, as the gateway runtime reports them. */
const SUBGRAPH_FAILURE_CODES = new Set(['SUBREQUEST_HTTP_ERROR', 'DOWNSTREAM_SERVICE_ERROR']);

/** The deepest error of a chain with an `extensions.serviceName`, if any. */
function subgraphFailure(error: unknown): string | null {
  for (let e = error as { originalError?: unknown; extensions?: Record<string, unknown>; errors?: unknown[] } | undefined; e; e = e.originalError as typeof e) {
    const code = e.extensions?.code;
    if (typeof code === 'string' && SUBGRAPH_FAILURE_CODES.has(code) && typeof e.extensions?.serviceName === 'string') return e.extensions.serviceName;
    if (Array.isArray(e.errors)) for (const inner of e.errors) {
      const name = subgraphFailure(inner);
      if (name) return name;
    }
  }
  return null;
}

/**
 * Deliberate errors pass as they are; a subgraph that cannot be reached is named (so a client
 * knows which part of its data is missing); anything else is masked.
 */
function maskGatewayError(error: unknown, message: string, isDev?: boolean): Error {
  const service = subgraphFailure(error);
  if (service) {
    const path = error instanceof GraphQLError ? error.path : undefined;
    return new GraphQLError(`The ${service} subgraph is unavailable`, { path, extensions: { code: 'UPSTREAM_UNAVAILABLE', serviceName: service } });
  }
  return yogaMaskError(error, message, isDev);
}

/**
 * When authorisation removed every field of an operation there is nothing to plan: answer with
 * null data and let the authorisation errors be added to the result.
 */
const nothingLeftToExecute: GatewayPlugin = {
  onExecute({ args, setResultAndStopExecution }) {
    const operation = (args.document as DocumentNode).definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
    if (!operation || operation.selectionSet.selections.length === 0) setResultAndStopExecution({ data: null });
  },
};

/**
 * A request that could not run at all (bad JSON, syntax, unknown field, wrong variable type) is a
 * 400 with GraphQL errors for every client, not only graphql-response+json ones.
 */
const requestErrorsAre400: GatewayPlugin = {
  onResultProcess({ result, setResult }) {
    if (Array.isArray(result) || !result || typeof result !== 'object' || !('errors' in result) || 'data' in result) return;
    const errors = (result.errors ?? []) as GraphQLError[];
    if (errors.length === 0) return;
    setResult({
      ...result,
      errors: errors.map((e) => {
        const { http: _http, originalError: _original, ...extensions } = (e.extensions ?? {}) as Record<string, unknown>;
        return new GraphQLError(e.message, {
          nodes: e.nodes,
          positions: e.positions,
          source: e.source,
          extensions: { code: 'BAD_USER_INPUT', ...extensions, http: { status: 400 } },
        });
      }),
    });
  },
};

/** How deep a selection set nests fields, following fragment spreads (each fragment once per path). */
function selectionDepth(set: SelectionSetNode | undefined, fragments: Map<string, FragmentDefinitionNode>, seen: ReadonlySet<string>): number {
  let deepest = 0;
  for (const selection of set?.selections ?? []) {
    if (selection.kind === Kind.FIELD) {
      deepest = Math.max(deepest, 1 + selectionDepth(selection.selectionSet, fragments, seen));
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      deepest = Math.max(deepest, selectionDepth(selection.selectionSet, fragments, seen));
    } else if (!seen.has(selection.name.value)) {
      const fragment = fragments.get(selection.name.value);
      deepest = Math.max(deepest, selectionDepth(fragment?.selectionSet, fragments, new Set([...seen, selection.name.value])));
    }
  }
  return deepest;
}

/** Rejects operations nested deeper than the limit (fragments included) before they are planned. */
function depthLimit(max: number): GatewayPlugin {
  const rule: ValidationRule = (context) => ({
    OperationDefinition(operation) {
      const fragments = new Map(context.getDocument().definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((f) => [f.name.value, f]));
      if (selectionDepth(operation.selectionSet, fragments, new Set()) > max) {
        context.reportError(new GraphQLError(`Query is nested deeper than ${max} levels`, { nodes: [operation], extensions: { code: 'BAD_USER_INPUT' } }));
      }
      return false;
    },
  });
  return {
    onValidate({ addValidationRule }) {
      addValidationRule(rule);
    },
  };
}

export async function serveGateway(config: Config, port = config.GATEWAY_PORT): Promise<RunningGateway> {
  const { runtime, log } = createGateway(config);
  const server = createServer(runtime);
  const actual = await listen(server, config.HOST, port);
  log.info(`gateway ready at http://${config.HOST}:${actual}/graphql`);
  return {
    url: `http://${config.HOST}:${actual}/graphql`,
    port: actual,
    server,
    async stop() {
      await closeServer(server);
      await runtime.dispose();
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
  const { loadConfigOrExit, stopOnSignals } = await import('../lib/process.ts');
  const config = await loadConfigOrExit();
  await startTelemetry('gateway');
  const gateway = await serveGateway(config);
  stopOnSignals(async () => {
    await gateway.stop();
    await stopTelemetry();
  });
}
