// One document object per query and kind of caller, so the query planner's cache is used.
//
// The authorization step (`genericAuth`, field by field) rewrites every operation it checks: it
// removes the fields the caller may not see and returns a new document object, even when nothing
// was removed. The planner caches query plans by document object, so every request was planned
// again. What that step returns depends only on the parsed query, whether there is a caller, the
// caller's scopes and the variables of `@skip`/`@include`; this plugin keeps the first document
// returned for each of those and hands that same object to the planner (and to every other cache
// keyed by document) on later requests.
import { Kind, visit, BREAK, type DocumentNode } from 'graphql';
import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';

interface Caller {
  currentUser?: { scope?: string } | null;
}

/** Whether `@skip`/`@include` take a variable anywhere in the document (then its values are part of the key). */
function hasConditionalVariables(document: DocumentNode): boolean {
  let found = false;
  visit(document, {
    Directive(node) {
      if ((node.name.value === 'skip' || node.name.value === 'include') && node.arguments?.some((a) => a.value.kind === Kind.VARIABLE)) {
        found = true;
        return BREAK;
      }
      return undefined;
    },
  });
  return found;
}

/** At most this many kinds of caller (and conditional variable values) are kept per query. */
const MAX_VARIANTS = 32;

export function stableAuthorizedDocuments(): GatewayPlugin {
  // The document as parsed (the parser cache hands out one object per query text), per request.
  const parsedOf = new WeakMap<object, DocumentNode>();
  const variantsOf = new WeakMap<DocumentNode, { conditional: boolean; documents: Map<string, DocumentNode> }>();
  return {
    onParse({ context }) {
      return ({ result }) => {
        if (result && typeof result === 'object' && (result as DocumentNode).kind === Kind.DOCUMENT) parsedOf.set(context, result as DocumentNode);
      };
    },
    onExecute({ args }) {
      const parsed = parsedOf.get(args.contextValue as object);
      if (!parsed || parsed === args.document) return;
      let variants = variantsOf.get(parsed);
      if (!variants) {
        variants = { conditional: hasConditionalVariables(parsed), documents: new Map() };
        variantsOf.set(parsed, variants);
      }
      const user = (args.contextValue as Caller).currentUser;
      const caller = user ? `caller ${user.scope ?? ''}` : 'anonymous';
      const key = variants.conditional ? `${caller}\n${JSON.stringify(args.variableValues ?? {})}` : caller;
      const known = variants.documents.get(key);
      if (known) args.document = known;
      else if (variants.documents.size < MAX_VARIANTS) variants.documents.set(key, args.document);
    },
  };
}
