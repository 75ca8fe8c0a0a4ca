// What a subgraph tells the client beside the data, carried to the client's answer: the idempotency
// key the layer gave a write that came without one, and coded warnings about an accepted write
// (`extensions.idempotencyKey`, `extensions.warnings`). The gateway otherwise keeps a subgraph
// answer's `extensions` to itself.
import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';
import type { ExecutionResult } from 'graphql';

const FORWARDED = ['idempotencyKey', 'warnings'] as const;

/** What the subgraph answers of one client request carried, by the request's context. */
const carried = new WeakMap<object, Record<string, unknown>>();

/** Notes the forwarded extensions of a subgraph answer (called by the subgraph transport). */
export function noteSubgraphExtensions(context: unknown, result: unknown): void {
  if (
    !context ||
    typeof context !== 'object' ||
    !result ||
    typeof result !== 'object' ||
    Symbol.asyncIterator in result
  )
    return;
  const extensions = (result as ExecutionResult).extensions;
  if (!extensions) return;
  for (const name of FORWARDED) {
    const value = extensions[name];
    if (value === undefined) continue;
    const found = carried.get(context) ?? {};
    // Warnings of several subgraph answers add up; a key is one per write.
    found[name] =
      name === 'warnings' && Array.isArray(found[name]) && Array.isArray(value)
        ? [...(found[name] as unknown[]), ...value]
        : value;
    carried.set(context, found);
  }
}

export function forwardedExtensions(): GatewayPlugin {
  return {
    onExecute({ args }) {
      const context = args.contextValue as object;
      return {
        onExecuteDone({ result, setResult }) {
          const found = carried.get(context);
          if (!found || !result || typeof result !== 'object' || Symbol.asyncIterator in result) return;
          const answer = result as ExecutionResult;
          setResult({ ...answer, extensions: { ...answer.extensions, ...found } });
        },
      };
    },
  };
}
