// Persisted operations: Apollo's automatic persisted queries (a hash in
// `extensions.persistedQuery.sha256Hash`, the query sent once when the hash is unknown) kept in a
// bounded memory store, or in Redis shared by every gateway replica when `REDIS_URL` is set, and trusted documents (a manifest hash -> document) that, when configured,
// are the only documents the gateway executes. Production requires them unless told otherwise.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { GraphQLError } from 'graphql';
import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';
import type { GraphQLParams } from 'graphql-yoga';
import type { Logger } from '../lib/logger.ts';
import { BoundedCache } from './document-cache.ts';
import { sharedRedis } from './redis.ts';

export const PersistedCode = {
  NOT_FOUND: 'PERSISTED_QUERY_NOT_FOUND',
  HASH_MISMATCH: 'PERSISTED_QUERY_HASH_MISMATCH',
  VERSION: 'PERSISTED_QUERY_VERSION_NOT_SUPPORTED',
  NOT_TRUSTED: 'OPERATION_NOT_TRUSTED',
} as const;

export const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** A hash as hex digits; graphql-codegen's client preset writes them as `sha256:<hex>`. */
const hexOf = (hash: string) => hash.replace(/^sha256:/i, '').toLowerCase();

/** Reads a trusted-documents manifest: a JSON object mapping each document's sha256 hash to its text. */
export function loadTrustedDocuments(path: string): Map<string, string> {
  const manifest = JSON.parse(readFileSync(path, 'utf8')) as unknown;
  if (!manifest || typeof manifest !== 'object' || Array.isArray(manifest))
    throw new Error(`${path}: a trusted-documents manifest is a JSON object of hash -> document`);
  const documents = new Map<string, string>();
  for (const [key, document] of Object.entries(manifest)) {
    const hash = hexOf(key);
    if (typeof document !== 'string' || sha256(document) !== hash)
      throw new Error(`${path}: the document of ${key} is not a string whose sha256 is that hash`);
    documents.set(hash, document);
  }
  return documents;
}

/**
 * Apollo's client retries with the full query on this exact message or code; it is an answer, not
 * a failed request, so it is a 200 as Apollo Server's.
 */
const notFound = () =>
  new GraphQLError('PersistedQueryNotFound', { extensions: { code: PersistedCode.NOT_FOUND, http: { status: 200 } } });

const refused = (message: string, code: string) =>
  new GraphQLError(message, { extensions: { code, http: { status: 400 } } });

const notTrusted = () =>
  refused('Only trusted documents are executed: send a listed document or its hash', PersistedCode.NOT_TRUSTED);

export interface PersistedOptions {
  /** Automatic persisted queries kept, by count and by bytes of query text. */
  maxEntries: number;
  maxBytes: number;
  /** When set, only these documents (hash -> text), or a request's client's, are executed and nothing new is stored. */
  trusted?: Map<string, string> | ((request: Request) => Map<string, string>);
  /** Whether a text that is not a trusted document may run all the same (a trusted tool's introspection). */
  admits?: (request: Request, query: string) => Promise<boolean>;
}

interface PersistedQueryExtension {
  version?: unknown;
  sha256Hash?: unknown;
}

/** Where automatic persisted queries are kept: this process's memory, or Redis shared by every gateway replica. */
export interface PersistedStore {
  get(hash: string): string | undefined | Promise<string | undefined>;
  set(hash: string, query: string): void | Promise<void>;
  close?(): Promise<void>;
}

/** Persisted queries in Redis (`REDIS_URL`), so a hash registered on one gateway replica is known to all. */
export function redisPersistedStore(
  url: string,
  opts: { ttlSeconds: number; commandTimeoutMs: number },
  log: Pick<Logger, 'warn' | 'info'>,
): PersistedStore {
  const redis = sharedRedis(
    url,
    opts.commandTimeoutMs,
    log,
    'persisted query store (Redis) unavailable; persisted queries are misses until it is back',
  );
  const key = (hash: string) => `carbon-federation:apq:${hash}`;
  return {
    // A store that cannot answer is a miss: Apollo's client then sends the query with its hash again.
    get: (hash) => redis.call(async (client) => (await client.get(key(hash))) ?? undefined, undefined),
    set: (hash, query) =>
      redis.call(async (client) => void (await client.set(key(hash), query, { EX: opts.ttlSeconds })), undefined),
    close: () => redis.close(),
  };
}

/** The plugin and its store (the in-memory store exposed for tests). */
export function persistedOperations(opts: PersistedOptions & { shared?: PersistedStore }) {
  const store = new BoundedCache<string>({
    maxEntries: opts.maxEntries,
    maxBytes: opts.maxBytes,
    sizeOf: (key, query) => key.length + query.length * 2,
  });
  const kept: PersistedStore = opts.shared ?? {
    get: (hash) => store.get(hash),
    set: (hash, query) => store.set(hash, query),
  };
  /** The query to execute, or the error that answers the request instead. */
  async function resolve(
    query: string | undefined,
    persisted: PersistedQueryExtension | undefined,
    request: Request,
  ): Promise<string | GraphQLError> {
    const trusted = typeof opts.trusted === 'function' ? opts.trusted(request) : opts.trusted;
    if (persisted) {
      if (persisted.version !== 1) return refused('Unsupported persisted query version', PersistedCode.VERSION);
      const hash = typeof persisted.sha256Hash === 'string' ? hexOf(persisted.sha256Hash) : '';
      if (!/^[0-9a-f]{64}$/.test(hash))
        return refused('The persisted query hash must be a sha256 hex digest', PersistedCode.HASH_MISMATCH);
      if (query !== undefined && sha256(query) !== hash)
        return refused('The provided sha256 hash does not match the query', PersistedCode.HASH_MISMATCH);
      if (trusted)
        return (
          trusted.get(hash) ??
          (query === undefined ? notFound() : (await opts.admits?.(request, query)) ? query : notTrusted())
        );
      if (query === undefined) return (await kept.get(hash)) ?? notFound();
      await kept.set(hash, query);
      return query;
    }
    if (trusted && !(query !== undefined && (trusted.has(sha256(query)) || (await opts.admits?.(request, query)))))
      return notTrusted();
    return query ?? '';
  }

  async function resolveParams(params: GraphQLParams, request: Request): Promise<GraphQLParams> {
    const persisted = (params.extensions as { persistedQuery?: PersistedQueryExtension } | undefined)?.persistedQuery;
    const query = typeof params.query === 'string' && params.query !== '' ? params.query : undefined;
    if (!persisted && !opts.trusted) return params;
    const resolved = await resolve(query, persisted, request);
    // Thrown before the runtime checks the parameters, so a hash-only request is not "missing" its query.
    if (resolved instanceof GraphQLError) throw resolved;
    // An empty query text stays the runtime's own "Must provide query string." refusal.
    return resolved !== query && resolved !== '' ? { ...params, query: resolved } : params;
  }

  const plugin: GatewayPlugin = {
    onRequestParse({ request }) {
      return {
        async onRequestParseDone({ requestParserResult, setRequestParserResult }) {
          setRequestParserResult(
            Array.isArray(requestParserResult)
              ? await Promise.all(requestParserResult.map((p) => resolveParams(p, request)))
              : await resolveParams(requestParserResult, request),
          );
        },
      };
    },
  };
  return { plugin, store, close: () => opts.shared?.close?.() ?? Promise.resolve() };
}
