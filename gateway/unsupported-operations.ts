// What the gateway cannot execute is refused with a code once the document is valid, before it is
// planned, never answered INTERNAL_SERVER_ERROR: an operation of a type the gateway does not serve
// (every type is served now: subscriptions over SSE and WebSocket, docs/live-updates.md) and
// introspection (`__schema`, `__type`) selected through a fragment, which the query planner cannot answer.
import {
  GraphQLError,
  Kind,
  getOperationAST,
  visit,
  BREAK,
  type DocumentNode,
  type OperationTypeNode,
  type SelectionSetNode,
} from 'graphql';
import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';

/** The operation types the gateway executes. */
export const SERVED_OPERATION_TYPES: ReadonlySet<OperationTypeNode> = new Set([
  'query',
  'mutation',
  'subscription',
] as OperationTypeNode[]);

export const UnsupportedCode = {
  OPERATION_TYPE: 'OPERATION_TYPE_NOT_SUPPORTED',
  /** A subscription sent as a plain request: it needs an event stream (SSE) or a WebSocket. */
  SUBSCRIPTION_TRANSPORT: 'SUBSCRIPTION_TRANSPORT_REQUIRED',
  INTROSPECTION_IN_FRAGMENT: 'INTROSPECTION_IN_FRAGMENT',
} as const;

const refusal = (message: string, code: string) =>
  new GraphQLError(message, { extensions: { code, http: { status: 400 } } });

const selectsSchema = (set: SelectionSetNode) =>
  set.selections.some((s) => s.kind === Kind.FIELD && (s.name.value === '__schema' || s.name.value === '__type'));

/** Whether a fragment (named or inline) selects `__schema` or `__type` directly. */
function introspectionInFragment(document: DocumentNode): boolean {
  let found = false;
  visit(document, {
    enter(node) {
      if (
        (node.kind === Kind.FRAGMENT_DEFINITION || node.kind === Kind.INLINE_FRAGMENT) &&
        selectsSchema(node.selectionSet)
      ) {
        found = true;
        return BREAK;
      }
      return undefined;
    },
  });
  return found;
}

/** The refusal of a valid document the gateway cannot execute, or null. */
export function unsupportedIn(document: DocumentNode): GraphQLError | null {
  for (const definition of document.definitions) {
    if (definition.kind === Kind.OPERATION_DEFINITION && !SERVED_OPERATION_TYPES.has(definition.operation)) {
      return refusal(`This server does not execute ${definition.operation} operations`, UnsupportedCode.OPERATION_TYPE);
    }
  }
  if (introspectionInFragment(document)) {
    return refusal(
      'Select __schema and __type directly on the query, not inside a fragment',
      UnsupportedCode.INTROSPECTION_IN_FRAGMENT,
    );
  }
  return null;
}

/** Whether a document's operation (the one named, else the only one) is a subscription. */
const isSubscription = (document: DocumentNode, operationName?: string | null) =>
  getOperationAST(document, operationName ?? undefined)?.operation === 'subscription';

/**
 * The refusal of a subscription sent as a plain HTTP request (no `Accept: text/event-stream`):
 * it has results to stream, which a single JSON answer cannot carry. Over WebSocket there is no
 * such request (or it is the upgrade).
 */
function streamRequired(request: Request | undefined): GraphQLError | null {
  if (!request || request.headers.get('upgrade')?.toLowerCase() === 'websocket') return null;
  if ((request.headers.get('accept') ?? '').includes('text/event-stream')) return null;
  return new GraphQLError(
    'Subscriptions are served as event streams: send Accept: text/event-stream (GraphQL over SSE) or use the WebSocket endpoint',
    {
      extensions: { code: UnsupportedCode.SUBSCRIPTION_TRANSPORT, http: { status: 400 } },
    },
  );
}

/** The plugin; a parsed (and cached) document is checked once. */
export function refuseUnsupportedOperations(): GatewayPlugin {
  const checked = new WeakMap<DocumentNode, GraphQLError | null>();
  return {
    onValidate({ params, context }) {
      return ({ valid, result, setResult }) => {
        if (!valid) return;
        let refused = checked.get(params.documentAST);
        if (refused === undefined) checked.set(params.documentAST, (refused = unsupportedIn(params.documentAST)));
        const operationName = (context as { params?: { operationName?: string | null } }).params?.operationName;
        if (!refused && isSubscription(params.documentAST, operationName))
          refused = streamRequired((context as { request?: Request }).request);
        // A new array: the cached validation result of the document is left as it is.
        if (refused) setResult([...result, refused]);
      };
    },
  };
}
