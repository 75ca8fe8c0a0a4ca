// The parsed-document cache, bounded in entries and in bytes. It replaces the runtime's built-in
// parser cache, which is bounded only in entries: with large documents that is unbounded memory.
// Validation results and query plans are kept per parsed document (weak maps), so they live
// exactly as long as the document's entry here.
import type { DocumentNode, GraphQLSchema, ValidationRule } from 'graphql';
import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';

/** Heap bytes a parsed document (with locations) takes per character of its text, measured. */
export const DOCUMENT_BYTES_PER_CHAR = 50;

/** A least-recently-used map whose total charged size and entry count stay within limits. */
export class BoundedCache<V> {
  readonly #entries = new Map<string, { value: V; size: number }>();
  #bytes = 0;
  readonly maxEntries: number;
  readonly maxBytes: number;
  readonly #sizeOf: (key: string, value: V) => number;
  readonly #onDrop?: (key: string, value: V) => void;

  /** `onDrop` is told of every entry that leaves (evicted, replaced or deleted). */
  constructor(opts: {
    maxEntries: number;
    maxBytes: number;
    sizeOf: (key: string, value: V) => number;
    onDrop?: (key: string, value: V) => void;
  }) {
    this.maxEntries = opts.maxEntries;
    this.maxBytes = opts.maxBytes;
    this.#sizeOf = opts.sizeOf;
    this.#onDrop = opts.onDrop;
  }

  get size(): number {
    return this.#entries.size;
  }

  get bytes(): number {
    return this.#bytes;
  }

  has(key: string): boolean {
    return this.#entries.has(key);
  }

  get(key: string): V | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    // Most recently used last.
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    return entry.value;
  }

  set(key: string, value: V): void {
    this.delete(key);
    const size = this.#sizeOf(key, value);
    // An entry larger than the whole budget is not kept at all.
    if (size > this.maxBytes || this.maxEntries === 0) return;
    this.#entries.set(key, { value, size });
    this.#bytes += size;
    for (const [oldest, entry] of this.#entries) {
      if (this.#bytes <= this.maxBytes && this.#entries.size <= this.maxEntries) break;
      this.#entries.delete(oldest);
      this.#bytes -= entry.size;
      this.#onDrop?.(oldest, entry.value);
    }
  }

  delete(key: string): void {
    const entry = this.#entries.get(key);
    if (!entry) return;
    this.#entries.delete(key);
    this.#bytes -= entry.size;
    this.#onDrop?.(key, entry.value);
  }
}

export interface DocumentCacheLimits {
  maxEntries: number;
  maxBytes: number;
}

/** One cache of parse results (documents and syntax errors) keyed by the query text. */
export function createDocumentCache(limits: DocumentCacheLimits): BoundedCache<DocumentNode | Error> {
  return new BoundedCache<DocumentNode | Error>({ ...limits, sizeOf: (key) => key.length * DOCUMENT_BYTES_PER_CHAR });
}

/**
 * The runtime's own parser and validation cache: the plugin with exactly these two hooks whose
 * `onParse` hands out a cached document (by the hook it calls: the server build renames variables).
 */
function isBuiltInParserCache(plugin: unknown): boolean {
  if (!plugin || typeof plugin !== 'object') return false;
  const keys = Object.keys(plugin).sort();
  return (
    keys.length === 2 &&
    keys[0] === 'onParse' &&
    keys[1] === 'onValidate' &&
    String((plugin as { onParse: unknown }).onParse).includes('setParsedDocument')
  );
}

/**
 * Caches parse results in `cache` and validation results per document, in place of the
 * runtime's unbounded-in-bytes parser cache (removed when the plugins are set up).
 */
export function boundedParserCache(cache: BoundedCache<DocumentNode | Error>): GatewayPlugin {
  const validated = new WeakMap<GraphQLSchema, Map<string, WeakMap<DocumentNode, readonly Error[]>>>();
  const resultsFor = (schema: GraphQLSchema, rules: readonly ValidationRule[] | undefined) => {
    let byRules = validated.get(schema);
    if (!byRules) validated.set(schema, (byRules = new Map()));
    const key = rules?.map((r) => r.name).join(',') ?? '';
    let byDocument = byRules.get(key);
    if (!byDocument) byRules.set(key, (byDocument = new WeakMap()));
    return byDocument;
  };
  return {
    onPluginInit({ plugins }) {
      const builtIn = plugins.findIndex(isBuiltInParserCache);
      if (builtIn === -1 || plugins.findLastIndex(isBuiltInParserCache) !== builtIn) {
        throw new Error('The gateway runtime has no single built-in parser cache to replace; check the document cache');
      }
      plugins.splice(builtIn, 1);
    },
    onParse({ params, setParsedDocument }) {
      const key = typeof params.source === 'string' ? params.source : params.source.body;
      const cached = cache.get(key);
      if (cached instanceof Error) throw cached;
      if (cached) {
        setParsedDocument(cached);
        return;
      }
      return ({ result }) => {
        if (result) cache.set(key, result as DocumentNode | Error);
      };
    },
    onValidate({ params, setResult }) {
      const results = resultsFor(params.schema, params.rules);
      const cached = results.get(params.documentAST);
      if (cached) {
        setResult(cached);
        return;
      }
      return ({ result }) => {
        results.set(params.documentAST, result);
      };
    },
  };
}
