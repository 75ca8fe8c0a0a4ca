// Public subgraph fetches, kept: a subgraph request whose every root field its owner marks
// `@cacheControl(scope: PUBLIC)` (and that selects nothing under @authenticated/@requiresScopes,
// `_entities` never) answers the same to every caller, so one answer serves all callers for the
// smallest maxAge it selects. It is the response cache's rule (response-cache.ts) applied to each
// fetch of a query plan rather than to whole answers: a returning buyer's query, which is never
// public as a whole (it selects `me`), still reads the public Puro inventory from the cache.
//
// Kept in the response cache's store (memory, bounded in entries and bytes, or Redis shared by the
// replicas), keyed by subgraph, operation text and variables, never by caller; tagged with the
// types the fetch selects, so the mutations that invalidate whole answers of a type drop these
// too. Answers with errors are not kept. Identical fetches in flight share one subgraph request.
import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';
import type { ExecutionRequest } from '@graphql-tools/utils';
import { Counter, type Registry } from 'prom-client';
import {
  getNamedType,
  isCompositeType,
  print,
  TypeInfo,
  visit,
  visitWithTypeInfo,
  type DocumentNode,
  type ExecutionResult,
  type GraphQLSchema,
} from 'graphql';
import { sha256 } from './persisted.ts';
import { policyOf, type CacheHints, type ResponseStore } from './response-cache.ts';

/** How a fetch's document may be kept: for `ttl` ms (0: never), under the hash of its text, tagged with `types`. */
interface FetchPolicy {
  ttl: number;
  textHash: string;
  types: { typename: string }[];
}

const NEVER: FetchPolicy = { ttl: 0, textHash: '', types: [] };

/** The composite types a document selects (the tags a mutation's invalidation matches). */
function typesSelected(document: DocumentNode, schema: GraphQLSchema): { typename: string }[] {
  const typeInfo = new TypeInfo(schema);
  const types = new Set<string>();
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field() {
        const returned = getNamedType(typeInfo.getType());
        if (returned && isCompositeType(returned)) types.add(returned.name);
      },
    }),
  );
  return [...types].map((typename) => ({ typename }));
}

type MaybePromise<T> = T | Promise<T>;

export interface PublicFetches {
  /** Reads the API schema as the runtime loads it (the hints name its coordinates). */
  plugin: GatewayPlugin;
  /** The answer of one subgraph request: kept, shared with an identical one in flight, or `fetch`ed. */
  execute(subgraph: string, request: ExecutionRequest, fetch: () => MaybePromise<unknown>): MaybePromise<unknown>;
}

export function publicFetches(store: ResponseStore, hints: CacheHints, metrics: Registry): PublicFetches {
  let schema: GraphQLSchema | undefined;
  const policies = new WeakMap<DocumentNode, FetchPolicy>();
  const inFlight = new Map<string, Promise<string | undefined>>();
  const outcomes = new Counter({
    name: 'gateway_public_fetches_total',
    help: 'Subgraph fetches of public fields, by subgraph and outcome: hit (answered from the cache), shared (an identical fetch in flight), miss (sent).',
    labelNames: ['subgraph', 'outcome'],
    registers: [metrics],
  });

  const policyFor = (request: ExecutionRequest): FetchPolicy => {
    if (!schema) return NEVER;
    let policy = policies.get(request.document);
    if (!policy) {
      const { maxAge, scope } = policyOf(request.document, request.operationName, schema, hints);
      policy =
        maxAge > 0 && scope === 'PUBLIC'
          ? {
              ttl: maxAge * 1000,
              textHash: sha256(print(request.document)),
              types: typesSelected(request.document, schema),
            }
          : NEVER;
      policies.set(request.document, policy);
    }
    return policy;
  };

  // The operation's text is hashed once per document; only the variables are hashed per fetch.
  const keyOf = (subgraph: string, policy: FetchPolicy, request: ExecutionRequest) =>
    `fetch:${subgraph}:${policy.textHash}:${sha256(JSON.stringify(request.variables ?? {}))}`;

  /** Sends the fetch and keeps its answer (the JSON text waiters parse, each its own copy), unless it has errors. */
  const fetchAndKeep = async (
    key: string,
    policy: FetchPolicy,
    fetch: () => MaybePromise<unknown>,
  ): Promise<{ result: unknown; json: string | undefined }> => {
    const result = await fetch();
    const answer = result as ExecutionResult;
    if (
      !answer ||
      typeof answer !== 'object' ||
      Symbol.asyncIterator in answer ||
      answer.errors?.length ||
      !answer.data
    )
      return { result, json: undefined };
    const kept: ExecutionResult = { data: answer.data };
    await store.set(key, kept, policy.types, policy.ttl);
    return { result, json: JSON.stringify(kept) };
  };

  return {
    plugin: {
      onSchemaChange({ schema: next }) {
        schema = next;
      },
    },
    execute(subgraph, request, fetch) {
      const policy = policyFor(request);
      if (policy.ttl === 0) return fetch();
      const key = keyOf(subgraph, policy, request);
      return (async () => {
        const kept = (await store.get(key)) as ExecutionResult | undefined;
        if (kept?.data) {
          outcomes.inc({ subgraph, outcome: 'hit' });
          return { data: kept.data };
        }
        const shared = inFlight.get(key);
        if (shared) {
          const json = await shared;
          if (json !== undefined) {
            outcomes.inc({ subgraph, outcome: 'shared' });
            return JSON.parse(json) as ExecutionResult;
          }
          return fetch();
        }
        outcomes.inc({ subgraph, outcome: 'miss' });
        const sent = fetchAndKeep(key, policy, fetch);
        const json = sent.then(
          (s) => s.json,
          () => undefined,
        );
        inFlight.set(key, json);
        void json.finally(() => inFlight.delete(key));
        return (await sent).result;
      })();
    },
  };
}
