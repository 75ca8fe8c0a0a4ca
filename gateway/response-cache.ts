// The gateway's response cache: whole answers to queries whose every root field carries a
// `@cacheControl(maxAge:, scope:)` hint in its subgraph schema (composed into the supergraph).
// A nested field without a hint inherits its parent's; an answer lives for the smallest maxAge
// it selects. PUBLIC answers are shared by every caller; an answer that selects a PRIVATE field,
// or a field or type under @authenticated/@requiresScopes, is kept per caller (the verified user,
// or one key for every caller without a valid token). Answers with errors are never kept.
// A mutation drops every kept answer holding an object of a type its own answer returns (e.g.
// updateProduct returns a Product: every answer with a Product goes). Kept in memory (bounded in
// entries and bytes) or in Redis shared by every replica (`REDIS_URL`), so a mutation through one
// replica invalidates for all; a change that passes no gateway ages out within its maxAge. An
// answer served from the cache says so, with its age: `extensions.responseCache` is
// `{ hit: true, age, maxAge }` in seconds (an upstream may be down meanwhile; it is never served
// past its maxAge).
import { createHash } from 'node:crypto';
import { useResponseCache, type Cache, type CacheEntityRecord } from '@envelop/response-cache';
import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';
import {
  getNamedType,
  getOperationAST,
  isCompositeType,
  Kind,
  parse,
  TypeInfo,
  visit,
  visitWithTypeInfo,
  type ConstArgumentNode,
  type DocumentNode,
  type ExecutionResult,
  type GraphQLNamedType,
  type GraphQLSchema,
} from 'graphql';
import { sharedRedis } from './redis.ts';
import type { Logger } from '../lib/logger.ts';
import { BoundedCache } from './document-cache.ts';

export type CacheScope = 'PUBLIC' | 'PRIVATE';

/** What a query's answer may be kept for: `maxAge` seconds (0: never), for everyone or per caller. */
export interface CachePolicy {
  maxAge: number;
  scope: CacheScope;
}

/** The supergraph's cache hints and the fields whose answer depends on the caller, by schema coordinate. */
export interface CacheHints {
  hints: Map<string, { maxAge?: number; scope?: CacheScope }>;
  perCaller: Set<string>;
}

const PER_CALLER_DIRECTIVES = new Set(['authenticated', 'requiresScopes']);

const argumentOf = (args: readonly ConstArgumentNode[] | undefined, name: string) =>
  args?.find((a) => a.name.value === name)?.value;

/** Reads the hints from the supergraph SDL (types and fields with @cacheControl, @authenticated, @requiresScopes). */
export function cacheHintsOf(supergraphSdl: string): CacheHints {
  const hints: CacheHints['hints'] = new Map();
  const perCaller = new Set<string>();
  const read = (
    coordinate: string,
    directives: readonly { name: { value: string }; arguments?: readonly ConstArgumentNode[] }[] | undefined,
  ) => {
    for (const d of directives ?? []) {
      if (PER_CALLER_DIRECTIVES.has(d.name.value)) perCaller.add(coordinate);
      if (d.name.value !== 'cacheControl') continue;
      const maxAge = argumentOf(d.arguments, 'maxAge');
      const scope = argumentOf(d.arguments, 'scope');
      hints.set(coordinate, {
        maxAge: maxAge?.kind === Kind.INT ? Number(maxAge.value) : undefined,
        scope: scope?.kind === Kind.ENUM ? (scope.value as CacheScope) : undefined,
      });
    }
  };
  for (const def of parse(supergraphSdl, { noLocation: true }).definitions) {
    if (
      def.kind !== Kind.OBJECT_TYPE_DEFINITION &&
      def.kind !== Kind.OBJECT_TYPE_EXTENSION &&
      def.kind !== Kind.INTERFACE_TYPE_DEFINITION
    )
      continue;
    read(def.name.value, def.directives);
    for (const field of def.fields ?? []) read(`${def.name.value}.${field.name.value}`, field.directives);
  }
  return { hints, perCaller };
}

const NOT_CACHED: CachePolicy = { maxAge: 0, scope: 'PUBLIC' };

/** A field's hint: its own, else its returned composite type's. */
function hintOf(hints: CacheHints['hints'], coordinate: string, returned: GraphQLNamedType | null | undefined) {
  return hints.get(coordinate) ?? (returned && isCompositeType(returned) ? hints.get(returned.name) : undefined);
}

/**
 * Whether what a field (`Type.field`, returning `returned`) answers is kept per caller, never for
 * everyone: a PRIVATE hint, or an access directive on the field or on the type it returns.
 */
export function keptPerCaller(
  { hints, perCaller }: CacheHints,
  coordinate: string,
  returned: GraphQLNamedType | null | undefined,
): boolean {
  return (
    hintOf(hints, coordinate, returned)?.scope === 'PRIVATE' ||
    perCaller.has(coordinate) ||
    (!!returned && perCaller.has(returned.name))
  );
}

/** The policy of a query document (mutations and subscriptions are never cached). */
export function policyOf(
  document: DocumentNode,
  operationName: string | null | undefined,
  schema: GraphQLSchema,
  cacheHints: CacheHints,
): CachePolicy {
  const { hints } = cacheHints;
  const operation = getOperationAST(document, operationName);
  if (operation?.operation !== 'query') return NOT_CACHED;
  const queryType = schema.getQueryType();
  const typeInfo = new TypeInfo(schema);
  let maxAge = Infinity;
  let scope: CacheScope = 'PUBLIC';
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field(node) {
        const parent = typeInfo.getParentType();
        const name = node.name.value;
        if (!parent || name === '__typename') return;
        const coordinate = `${parent.name}.${name}`;
        const returned = getNamedType(typeInfo.getType());
        const hint = hintOf(hints, coordinate, returned);
        if (hint?.maxAge !== undefined) maxAge = Math.min(maxAge, hint.maxAge);
        // A root field without a hint (and introspection) is never cached.
        else if (parent === queryType) maxAge = 0;
        if (keptPerCaller(cacheHints, coordinate, returned)) scope = 'PRIVATE';
      },
    }),
  );
  return { maxAge: Number.isFinite(maxAge) ? maxAge : 0, scope };
}

/** Where answers are kept; `settled` waits for the invalidations in flight. */
export interface ResponseStore extends Cache {
  settled(): Promise<void>;
  close(): Promise<void>;
}

const typesOf = (entities: Iterable<CacheEntityRecord>) => [...new Set([...entities].map((e) => e.typename))];

/** An answer as kept: the result, when it was kept and for how long (ms). */
interface Kept {
  result: ExecutionResult;
  storedAt: number;
  ttl: number;
}

const keep = (result: ExecutionResult, ttl: number, now = Date.now()) =>
  JSON.stringify({ result, storedAt: now, ttl } satisfies Kept);

/** A kept answer as served: it says that it comes from the cache and how old it is (whole seconds, as HTTP's Age). */
function served(json: string, now = Date.now()): ExecutionResult | undefined {
  const kept = JSON.parse(json) as Partial<Kept>;
  if (!kept.result || typeof kept.storedAt !== 'number' || typeof kept.ttl !== 'number') return undefined;
  const responseCache = {
    hit: true,
    age: Math.max(0, Math.floor((now - kept.storedAt) / 1000)),
    maxAge: Math.round(kept.ttl / 1000),
  };
  return { ...kept.result, extensions: { ...kept.result.extensions, responseCache } };
}

/** Answers in this process's memory: least recently used dropped first beyond `maxEntries` or `maxBytes` (2 bytes per character of the JSON). */
export function memoryResponseStore(limits: { maxEntries: number; maxBytes: number }) {
  const byType = new Map<string, Set<string>>();
  const untag = (key: string, entry: { types: string[] }) => {
    for (const type of entry.types) {
      const keys = byType.get(type);
      keys?.delete(key);
      if (keys?.size === 0) byType.delete(type);
    }
  };
  const entries = new BoundedCache<{ json: string; expires: number; types: string[] }>({
    ...limits,
    sizeOf: (key, entry) => 2 * (key.length + entry.json.length),
    onDrop: untag,
  });
  const store: ResponseStore = {
    get(key) {
      const entry = entries.get(key);
      if (!entry) return undefined;
      if (entry.expires > Date.now()) return served(entry.json);
      entries.delete(key);
      return undefined;
    },
    set(key, result, entities, ttl) {
      if (!(ttl > 0)) return;
      const types = typesOf(entities);
      entries.set(key, { json: keep(result, ttl), expires: Date.now() + ttl, types });
      // Not kept (larger than the whole budget): nothing to tag.
      if (!entries.has(key)) return;
      for (const type of types) byType.set(type, (byType.get(type) ?? new Set()).add(key));
    },
    invalidate(entities) {
      for (const type of typesOf(entities)) for (const key of [...(byType.get(type) ?? [])]) entries.delete(key);
    },
    settled: async () => {},
    close: async () => {},
  };
  return { store, entries };
}

/** Answers in Redis (`REDIS_URL`), shared by every gateway replica: one replica's mutation invalidates for all. */
export function redisResponseStore(
  url: string,
  commandTimeoutMs: number,
  log: Pick<Logger, 'warn' | 'info'>,
): ResponseStore {
  // An unreachable or unresponsive Redis is a miss, and an invalidation that cannot reach it leaves
  // answers to age out within their maxAge.
  const redis = sharedRedis(
    url,
    commandTimeoutMs,
    log,
    'response cache (Redis) unavailable; queries are answered without it until it is back',
  );
  const answerKey = (key: string) => `carbon-federation:response:${key}`;
  const typeKey = (type: string) => `carbon-federation:response-type:${type}`;
  const inFlight = new Set<Promise<unknown>>();
  const track = (job: Promise<unknown>) => {
    const done = job.catch(() => undefined).finally(() => inFlight.delete(done));
    inFlight.add(done);
    return done.then(() => undefined);
  };
  return {
    get: (key) =>
      redis.call(async (client) => {
        const json = await client.get(answerKey(key));
        return json ? served(json) : undefined;
      }, undefined),
    set(key, result, entities, ttl) {
      if (!(ttl > 0)) return;
      const ms = Math.ceil(ttl);
      return track(
        redis.call((client) => {
          const multi = client.multi().set(answerKey(key), keep(result, ms), { PX: ms });
          // A type's list of answers lives as long as its longest-lived answer.
          for (const type of typesOf(entities))
            multi.sAdd(typeKey(type), answerKey(key)).pExpire(typeKey(type), ms, 'NX').pExpire(typeKey(type), ms, 'GT');
          return multi.exec();
        }, undefined),
      );
    },
    invalidate(entities) {
      return track(
        Promise.all(
          typesOf(entities).map((type) =>
            redis.call(async (client) => {
              const keys = await client.sMembers(typeKey(type));
              if (keys.length) await client.multi().del(keys).sRem(typeKey(type), keys).exec();
            }, undefined),
          ),
        ),
      );
    },
    settled: () => Promise.all(inFlight).then(() => undefined),
    close: () => redis.close(),
  };
}

interface CallerContext {
  currentUser?: { id: string; role: string; scope: string } | null;
}

/** The key of a PRIVATE answer: the verified caller (id, role and scopes), or everyone without a valid token. */
const callerKey = (context: CallerContext) => {
  const user = context.currentUser;
  return user ? createHash('sha256').update(`${user.id}\n${user.role}\n${user.scope}`).digest('hex') : 'anonymous';
};

/** The plugin: looks answers up and keeps them by each query's policy, and lets mutations invalidate. */
export function responseCache(store: ResponseStore, hints: CacheHints): GatewayPlugin {
  const policies = new WeakMap<object, CachePolicy>();
  const byDocument = new WeakMap<DocumentNode, Map<string, CachePolicy>>();
  const policyFor = (document: DocumentNode, operationName: string | null | undefined, schema: GraphQLSchema) => {
    let byName = byDocument.get(document);
    if (!byName) byDocument.set(document, (byName = new Map()));
    let policy = byName.get(operationName ?? '');
    if (!policy) byName.set(operationName ?? '', (policy = policyOf(document, operationName, schema, hints)));
    return policy;
  };
  const inner = useResponseCache({
    cache: store,
    session: (context: object) =>
      policies.get(context)?.scope === 'PRIVATE' ? callerKey(context as CallerContext) : null,
    onTtl: ({ context }) => (policies.get(context)?.maxAge ?? 0) * 1000,
    shouldCacheResult: ({ result }) => !result.errors?.length,
    includeExtensionMetadata: false,
  });
  // The document as parsed (one object per query text, from the document cache): the authorisation
  // rules hand execution a rewritten copy on every request. Its policy counts every field the
  // caller asked for, also those the rules then remove (their errors keep the answer out anyway).
  const parsed = new WeakMap<object, DocumentNode>();
  return {
    onSchemaChange: inner.onSchemaChange,
    onParse({ context }) {
      return ({ result }) => {
        if (result && typeof result === 'object' && 'kind' in result) parsed.set(context, result);
      };
    },
    onExecute(params) {
      const { document, operationName, schema, contextValue } = params.args;
      const mutation = getOperationAST(document, operationName)?.operation === 'mutation';
      if (!mutation) {
        const policy = policyFor(parsed.get(contextValue as object) ?? document, operationName, schema);
        // Nothing to look up or keep: skip the document rewrite and the key.
        if (policy.maxAge === 0) return;
        policies.set(contextValue as object, policy);
        return inner.onExecute!(params);
      }
      const hooks = inner.onExecute!(params) as { onExecuteDone?: (p: unknown) => unknown } | void;
      // The mutation's answer waits until its invalidations have reached the store.
      return {
        async onExecuteDone(done) {
          await hooks?.onExecuteDone?.(done);
          await store.settled();
        },
      };
    },
  };
}
