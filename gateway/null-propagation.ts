// Spec-valid answers across subgraph fetches. When a subgraph fails a non-null field of an object
// another subgraph produced (an `_entities` fetch answering null with an error), the GraphQL spec
// nulls that object, and up to the nearest nullable field; the query planner's merge leaves the
// object without the field instead (e.g. `{"node":{}}`). This plugin applies the spec's null
// propagation to every answer that has errors (an answer without errors has nothing to propagate).
// To know the type of an object under an interface or union, it asks `__typename` wherever the
// operation did not, and takes those it added out of every answer again.
import {
  GraphQLError,
  Kind,
  TypeInfo,
  isAbstractType,
  isCompositeType,
  isListType,
  isNonNullType,
  isObjectType,
  visit,
  visitWithTypeInfo,
  type DocumentNode,
  type ExecutionResult,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLObjectType,
  type GraphQLOutputType,
  type GraphQLSchema,
  type SelectionSetNode,
} from 'graphql';
import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';

/** The alias under which the plugin asks the type of abstract objects. */
const TYPENAME = '__typename';
const ADDED = '__carbon_type';

interface Prepared {
  /** The document the planner executes (with the added type names), or the original when none was needed. */
  executed: DocumentNode;
  /** Whether answers carry added type names to take out. */
  added: boolean;
}

/** The document with `__carbon_type: __typename` in every selection set under an abstract type. */
function withTypeNames(document: DocumentNode, schema: GraphQLSchema): Prepared {
  const typeInfo = new TypeInfo(schema);
  let added = false;
  const executed = visit(
    document,
    visitWithTypeInfo(typeInfo, {
      SelectionSet(node, _key, parent) {
        const type = typeInfo.getParentType();
        const owner = parent as { kind?: string } | undefined;
        if (!type || !isAbstractType(type) || owner?.kind !== Kind.FIELD) return undefined;
        added = true;
        const field: FieldNode = {
          kind: Kind.FIELD,
          alias: { kind: Kind.NAME, value: ADDED },
          name: { kind: Kind.NAME, value: TYPENAME },
        };
        return { ...node, selections: [...node.selections, field] };
      },
    }),
  );
  return added ? { executed, added } : { executed: document, added };
}

type Json = Record<string, unknown>;

interface Walk {
  schema: GraphQLSchema;
  fragments: Record<string, FragmentDefinitionNode>;
  variables: Record<string, unknown>;
  errorPaths: string[];
  added: boolean;
  /** Errors to add: a non-null field found null that no subgraph error explains. */
  extra: { message: string; path: (string | number)[] }[];
}

function skipped(
  node: FieldNode | { directives?: FieldNode['directives'] },
  variables: Record<string, unknown>,
): boolean {
  for (const d of node.directives ?? []) {
    if (d.name.value !== 'skip' && d.name.value !== 'include') continue;
    const arg = d.arguments?.find((a) => a.name.value === 'if')?.value;
    const value =
      arg?.kind === Kind.VARIABLE ? Boolean(variables[arg.name.value]) : arg?.kind === Kind.BOOLEAN ? arg.value : false;
    if ((d.name.value === 'skip') === value) return true;
  }
  return false;
}

/** The fields a selection set asks of an object of `type`, by response name (CollectFields). */
function collect(
  w: Walk,
  type: GraphQLObjectType,
  selectionSet: SelectionSetNode,
  out = new Map<string, FieldNode[]>(),
): Map<string, FieldNode[]> {
  const applies = (condition: string | undefined) => {
    if (!condition) return true;
    const conditionType = w.schema.getType(condition);
    return (
      conditionType === type ||
      (conditionType !== undefined && isAbstractType(conditionType) && w.schema.isSubType(conditionType, type))
    );
  };
  for (const selection of selectionSet.selections) {
    if (skipped(selection, w.variables)) continue;
    if (selection.kind === Kind.FIELD) {
      const name = selection.alias?.value ?? selection.name.value;
      out.set(name, [...(out.get(name) ?? []), selection]);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      if (applies(selection.typeCondition?.name.value)) collect(w, type, selection.selectionSet, out);
    } else {
      const fragment = w.fragments[selection.name.value];
      if (fragment && applies(fragment.typeCondition.name.value)) collect(w, type, fragment.selectionSet, out);
    }
  }
  return out;
}

const NULLED = Symbol('nulled');

/** The value with nulls propagated; NULLED when a null reached a non-null position (its parent must be null). */
function complete(
  w: Walk,
  value: unknown,
  type: GraphQLOutputType,
  fields: FieldNode[],
  path: (string | number)[],
): unknown {
  if (value === null || value === undefined) {
    if (isNonNullType(type)) {
      // Explained by a subgraph's error under the same root field (a failed fetch's error may name
      // the list or the object it was for rather than this field), or by one with no path at all.
      const root = String(path[0]);
      if (!w.errorPaths.some((p) => p === '' || p === root || p.startsWith(`${root}.`)))
        w.extra.push({ message: 'A required field could not be resolved', path });
      return NULLED;
    }
    return null;
  }
  const inner = isNonNullType(type) ? type.ofType : type;
  if (isListType(inner)) {
    const items = value as unknown[];
    for (let i = 0; i < items.length; i++) {
      const item = complete(w, items[i], inner.ofType, fields, [...path, i]);
      if (item === NULLED) return isNonNullType(type) ? NULLED : null;
      items[i] = item;
    }
    return items;
  }
  if (!isCompositeType(inner)) return value;
  const object = completeObject(w, value as Json, inner, fields, path);
  return object === null ? (isNonNullType(type) ? NULLED : null) : object;
}

function completeObject(
  w: Walk,
  object: Json,
  type: GraphQLCompositeType,
  fields: FieldNode[],
  path: (string | number)[],
): Json | null {
  let runtime: GraphQLObjectType | undefined;
  if (isObjectType(type)) runtime = type;
  else {
    const name = object[ADDED] ?? object[TYPENAME];
    const named = typeof name === 'string' ? w.schema.getType(name) : undefined;
    runtime = named && isObjectType(named) ? named : undefined;
  }
  if (w.added) delete object[ADDED];
  if (!runtime) return object;
  const selectionSet: SelectionSetNode = {
    kind: Kind.SELECTION_SET,
    selections: fields.flatMap((f) => f.selectionSet?.selections ?? []),
  };
  for (const [key, nodes] of collect(w, runtime, selectionSet)) {
    const name = nodes[0]!.name.value;
    if (name === TYPENAME) continue;
    const def = runtime.getFields()[name];
    if (!def) continue;
    const completed = complete(w, object[key], def.type, nodes, [...path, key]);
    if (completed === NULLED) return null;
    object[key] = completed;
  }
  return object;
}

/** Only the added type names to take out (an answer without errors). */
function strip(value: unknown): void {
  if (Array.isArray(value)) for (const item of value) strip(item);
  else if (value && typeof value === 'object') {
    delete (value as Json)[ADDED];
    for (const v of Object.values(value)) if (v && typeof v === 'object') strip(v);
  }
}

export function specNullPropagation(): GatewayPlugin {
  const prepared = new WeakMap<DocumentNode, Prepared>();
  return {
    onExecute({ args, executeFn, setExecuteFn }) {
      const document = args.document as DocumentNode;
      const schema = args.schema as GraphQLSchema;
      let plan = prepared.get(document);
      if (!plan) prepared.set(document, (plan = withTypeNames(document, schema)));
      const { executed, added } = plan;
      if (added) setExecuteFn((a) => executeFn({ ...a, document: executed }));
      return {
        onExecuteDone({ result, setResult }) {
          if (!result || typeof result !== 'object' || Symbol.asyncIterator in result) return;
          const answer = result as ExecutionResult;
          if (!answer.data) return;
          if (!answer.errors?.length) {
            if (added) strip(answer.data);
            return;
          }
          const operation = document.definitions.find(
            (d) =>
              d.kind === Kind.OPERATION_DEFINITION && (!args.operationName || d.name?.value === args.operationName),
          );
          if (!operation || operation.kind !== Kind.OPERATION_DEFINITION) return;
          const root = operation.operation === 'mutation' ? schema.getMutationType() : schema.getQueryType();
          if (!root) return;
          const w: Walk = {
            schema,
            fragments: Object.fromEntries(
              document.definitions
                .filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION)
                .map((d) => [d.name.value, d]),
            ),
            variables: (args.variableValues ?? {}) as Record<string, unknown>,
            errorPaths: answer.errors.map((e) => (e.path ?? []).join('.')),
            added,
            extra: [],
          };
          const data = completeObject(
            w,
            answer.data as Json,
            root,
            [{ kind: Kind.FIELD, name: { kind: Kind.NAME, value: root.name }, selectionSet: operation.selectionSet }],
            [],
          );
          const errors = [
            ...answer.errors,
            ...w.extra.map(
              (e) => new GraphQLError(e.message, { path: e.path, extensions: { code: 'INTERNAL_SERVER_ERROR' } }),
            ),
          ];
          setResult({ ...answer, data, errors });
        },
      };
    },
  };
}
