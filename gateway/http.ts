// GraphQL over HTTP as clients expect it: an operation that executed answers 200 with `data` (null
// when nothing could be resolved) and each error's `path`; a wrong method is 405 with `Allow`; the
// production profile's refusal of introspection.
import {
  BREAK,
  GraphQLError,
  Kind,
  visit,
  type DocumentNode,
  type ExecutionResult,
  type OperationDefinitionNode,
} from 'graphql';
import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';
import type { Config } from '../lib/config.ts';

/** Response keys of the root fields the operation selects directly (not through fragments). */
function rootResponseKeys(document: DocumentNode, operationName?: string | null): string[] {
  const operation = document.definitions.find(
    (d): d is OperationDefinitionNode =>
      d.kind === Kind.OPERATION_DEFINITION && (!operationName || d.name?.value === operationName),
  );
  return (operation?.selectionSet.selections ?? []).flatMap((s) =>
    s.kind === Kind.FIELD ? [(s.alias ?? s.name).value] : [],
  );
}

function withPath(error: GraphQLError, path: readonly (string | number)[]): GraphQLError {
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path,
    originalError: error.originalError,
    extensions: error.extensions,
  });
}

/**
 * The planner answers a failed sole root field with errors only, as if the request had not run.
 * An executed operation always has `data` (null here) and, when there is one root field, each
 * error names it as its path, so clients see a GraphQL result, not a refused request.
 */
export const executedResultsKeepData: GatewayPlugin = {
  onExecute({ args }) {
    const roots = rootResponseKeys(args.document as DocumentNode, args.operationName);
    return {
      onExecuteDone({ result, setResult }) {
        if (Symbol.asyncIterator in result) return;
        const executed = result as ExecutionResult;
        if (executed.data !== undefined) return;
        const errors = executed.errors?.map((e) =>
          e.path || roots.length !== 1 || !(e instanceof GraphQLError) ? e : withPath(e, [roots[0]!]),
        );
        setResult({ ...executed, data: null, ...(errors ? { errors } : {}) });
      },
    };
  },
};

/** Methods the GraphQL endpoint serves; a 405 (another method, or a mutation over GET) lists them. */
export const allowedMethods: GatewayPlugin = {
  onResponse({ response }) {
    if (response.status === 405) response.headers.set('allow', 'GET, POST');
  },
};

/** Adds a request header to `Vary` (once): the answer depends on it, so a cache keys on it too. */
export function appendVary(headers: Headers, name: string): void {
  const current = headers.get('vary');
  const listed = (current ?? '').split(',').map((h) => h.trim().toLowerCase());
  if (listed.includes('*') || listed.includes(name.toLowerCase())) return;
  headers.set('vary', current ? `${current}, ${name}` : name);
}

export const isProduction = (config: Pick<Config, 'NODE_ENV'>) => config.NODE_ENV === 'production';

/** Whether the document asks for the schema (`__schema`, `__type`); `__typename` is ordinary data. */
function asksForSchema(document: DocumentNode): boolean {
  let found = false;
  visit(document, {
    Field(node) {
      if (node.name.value === '__schema' || node.name.value === '__type') {
        found = true;
        return BREAK;
      }
      return undefined;
    },
  });
  return found;
}

/** Production: the schema is not handed out; an introspection query is refused before it runs. */
export const noIntrospection: GatewayPlugin = {
  onValidate({ params, setResult }) {
    if (asksForSchema(params.documentAST)) {
      setResult([
        new GraphQLError('Introspection is disabled on this server', {
          extensions: { code: 'INTROSPECTION_DISABLED', http: { status: 400 } },
        }),
      ]);
    }
  },
};
