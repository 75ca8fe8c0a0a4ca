// The schema for trusted tools. In production introspection stays closed to the public, but a
// caller with an admin's token or the service credential (`Authorization: Bearer <SERVICE_TOKEN>`)
// may introspect, also when only trusted documents run; and `GET /schema.graphql` serves the
// public SDL with its descriptions (schema/api.graphql) to the same callers, to anyone in
// development. So a frontend's codegen can run against a deployed gateway.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kind, parse, type DocumentNode, type FragmentDefinitionNode, type SelectionSetNode } from 'graphql';
import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';
import { bearerToken, isAdmin, safeEqual, verifyToken } from '../lib/auth.ts';
import { ROOT } from '../lib/paths.ts';

export const SCHEMA_PATH = '/schema.graphql';

type Verdict =
  { trusted: true } | { trusted: false; status: 401 | 403; code: 'UNAUTHENTICATED' | 'FORBIDDEN'; message: string };

const INTROSPECTION_FIELDS = new Set(['__schema', '__type', '__typename']);

/** Whether a query text only introspects: every root selection is `__schema`, `__type` or `__typename`. */
export function onlyIntrospects(query: string): boolean {
  let document: DocumentNode;
  try {
    document = parse(query);
  } catch {
    return false;
  }
  const fragments = new Map(
    document.definitions
      .filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION)
      .map((d) => [d.name.value, d]),
  );
  const seen = new Set<string>();
  const introspects = (set: SelectionSetNode): boolean =>
    set.selections.every((s) => {
      if (s.kind === Kind.FIELD) return INTROSPECTION_FIELDS.has(s.name.value);
      if (s.kind === Kind.INLINE_FRAGMENT) return introspects(s.selectionSet);
      const fragment = fragments.get(s.name.value);
      if (!fragment || seen.has(fragment.name.value)) return Boolean(fragment);
      seen.add(fragment.name.value);
      return introspects(fragment.selectionSet);
    });
  const operations = document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
  return operations.length > 0 && operations.every((o) => o.operation === 'query' && introspects(o.selectionSet));
}

export interface TrustedToolsOptions {
  production: boolean;
  jwtSecret: string;
  serviceToken: string;
  /** The production refusal of introspection, applied to every other caller. */
  refusal: GatewayPlugin;
}

/** The plugin, and the hook that lets a trusted tool's introspection run beside trusted documents. */
export function trustedTools(opts: TrustedToolsOptions) {
  const verdicts = new WeakMap<Request, Promise<Verdict>>();
  /** Whether the request comes from a trusted tool, decided once per request. */
  function verdictOf(request: Request): Promise<Verdict> {
    let verdict = verdicts.get(request);
    if (!verdict) verdicts.set(request, (verdict = decide(request.headers.get('authorization'))));
    return verdict;
  }
  async function decide(authorization: string | null): Promise<Verdict> {
    const token = bearerToken(authorization);
    const required = 'An admin token or the service credential is required to read the schema';
    if (!token) return { trusted: false, status: 401, code: 'UNAUTHENTICATED', message: required };
    if (safeEqual(token, opts.serviceToken)) return { trusted: true };
    try {
      const viewer = await verifyToken(token, opts.jwtSecret);
      return isAdmin(viewer)
        ? { trusted: true }
        : { trusted: false, status: 403, code: 'FORBIDDEN', message: 'Admin role required to read the schema' };
    } catch (error) {
      return {
        trusted: false,
        status: 401,
        code: 'UNAUTHENTICATED',
        message: error instanceof Error ? error.message : required,
      };
    }
  }

  let sdl: string | undefined;
  /** Requests whose introspection may run (production): decided before validation, which cannot wait. */
  const introspecting = new WeakSet<Request>();

  /** GET /schema.graphql: the public SDL, or why it is refused. */
  async function serveSchema({
    request,
    endResponse,
    fetchAPI,
  }: {
    request: Request;
    endResponse(response: Response): void;
    fetchAPI: { Response: typeof Response };
  }) {
    const verdict = opts.production ? await verdictOf(request) : ({ trusted: true } as const);
    if (!verdict.trusted) {
      const headers = verdict.status === 401 ? { 'www-authenticate': 'Bearer' } : undefined;
      endResponse(
        fetchAPI.Response.json(
          { errors: [{ message: verdict.message, extensions: { code: verdict.code } }] },
          { status: verdict.status, headers },
        ),
      );
      return;
    }
    sdl ??= readFileSync(join(ROOT, 'schema', 'api.graphql'), 'utf8');
    endResponse(
      new fetchAPI.Response(sdl, {
        headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'private, no-cache' },
      }),
    );
  }

  const plugin: GatewayPlugin = {
    onRequest(payload) {
      // Synchronous for every other request: no promise per request.
      if (payload.url.pathname === SCHEMA_PATH && payload.request.method === 'GET') return serveSchema(payload);
    },
    ...(opts.production
      ? ({
          onParams({ params, request }) {
            if (typeof params.query !== 'string' || !/__schema|__type\b/.test(params.query)) return;
            return verdictOf(request).then((verdict) => void (verdict.trusted && introspecting.add(request)));
          },
          onValidate(payload) {
            const request = (payload.context as { request?: Request }).request;
            if (request && introspecting.has(request)) return undefined;
            // After validation, so the validation cache (per document, for every caller) keeps
            // what validation says and never this caller's refusal.
            return ({ setResult }) =>
              void opts.refusal.onValidate?.({ ...payload, setResult: (errors) => setResult([...errors]) });
          },
        } satisfies GatewayPlugin)
      : {}),
  };

  /** A text outside the trusted documents that may run: a trusted tool's introspection. */
  const admits = async (request: Request, query: string) =>
    onlyIntrospects(query) && (await verdictOf(request)).trusted;
  return { plugin, admits };
}
