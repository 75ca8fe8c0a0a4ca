// Checks an answer against the operation that asked for it, as the GraphQL spec says it must look:
// no key the selection does not ask for (for the object's own type: a fragment on another type
// adds nothing), every selected key present (`__typename` and `id` too), a value of the right kind,
// and null only where the field is nullable (a non-null field that failed must null its parent).
// Returns the problems found, with their paths.
import {
  Kind,
  isAbstractType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  parse,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLObjectType,
  type GraphQLOutputType,
  type GraphQLSchema,
  type SelectionSetNode,
} from 'graphql';

type Path = (string | number)[];
interface Answer {
  data?: unknown;
  errors?: { path?: Path }[];
}

function skipped(
  node: {
    directives?: readonly {
      name: { value: string };
      arguments?: readonly { name: { value: string }; value: unknown }[];
    }[];
  },
  variables: Record<string, unknown>,
): boolean {
  for (const d of node.directives ?? []) {
    if (d.name.value !== 'skip' && d.name.value !== 'include') continue;
    const arg = d.arguments?.find((a) => a.name.value === 'if')?.value as
      { kind: string; value?: boolean; name?: { value: string } } | undefined;
    const value = arg?.kind === Kind.VARIABLE ? Boolean(variables[arg.name!.value]) : Boolean(arg?.value);
    if ((d.name.value === 'skip') === value) return true;
  }
  return false;
}

/** The fields a selection set asks of an object of `type` (spec: CollectFields), by response name. */
function collect(
  schema: GraphQLSchema,
  type: GraphQLObjectType,
  selectionSet: SelectionSetNode,
  fragments: Record<string, FragmentDefinitionNode>,
  variables: Record<string, unknown>,
  out = new Map<string, FieldNode[]>(),
): Map<string, FieldNode[]> {
  const applies = (condition: string | undefined) => {
    if (!condition) return true;
    const conditionType = schema.getType(condition);
    if (!conditionType) return false;
    if (conditionType === type) return true;
    return isAbstractType(conditionType) && schema.isSubType(conditionType, type);
  };
  for (const selection of selectionSet.selections) {
    if (skipped(selection, variables)) continue;
    if (selection.kind === Kind.FIELD) {
      const name = selection.alias?.value ?? selection.name.value;
      out.set(name, [...(out.get(name) ?? []), selection]);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      if (applies(selection.typeCondition?.name.value))
        collect(schema, type, selection.selectionSet, fragments, variables, out);
    } else {
      const fragment = fragments[selection.name.value];
      if (fragment && applies(fragment.typeCondition.name.value))
        collect(schema, type, fragment.selectionSet, fragments, variables, out);
    }
  }
  return out;
}

export function checkResponse(
  schema: GraphQLSchema,
  query: string | DocumentNode,
  variables: Record<string, unknown>,
  answer: Answer,
): string[] {
  const document = typeof query === 'string' ? parse(query) : query;
  const fragments = Object.fromEntries(
    document.definitions
      .filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION)
      .map((d) => [d.name.value, d]),
  );
  const operation = document.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION);
  if (!operation || operation.kind !== Kind.OPERATION_DEFINITION) return ['no operation'];
  const root = operation.operation === 'mutation' ? schema.getMutationType() : schema.getQueryType();
  const problems: string[] = [];
  if (answer.data === null || answer.data === undefined) return problems;

  const value = (v: unknown, type: GraphQLOutputType, field: FieldNode, path: Path): void => {
    if (v === null || v === undefined) {
      if (v === undefined) problems.push(`${path.join('.')}: missing`);
      else if (isNonNullType(type)) problems.push(`${path.join('.')}: null in a non-null position`);
      return;
    }
    const inner = isNonNullType(type) ? type.ofType : type;
    if (isListType(inner)) {
      if (!Array.isArray(v)) return void problems.push(`${path.join('.')}: not a list`);
      v.forEach((item, i) => value(item, inner.ofType, field, [...path, i]));
      return;
    }
    if (isLeafType(inner)) {
      if (typeof v === 'object') problems.push(`${path.join('.')}: an object where ${inner.name} is expected`);
      return;
    }
    if (typeof v !== 'object' || Array.isArray(v)) return void problems.push(`${path.join('.')}: not an object`);
    object(v as Record<string, unknown>, inner as GraphQLCompositeType, field.selectionSet!, path);
  };

  const object = (
    v: Record<string, unknown>,
    type: GraphQLCompositeType,
    selectionSet: SelectionSetNode,
    path: Path,
  ) => {
    let runtime: GraphQLObjectType | undefined;
    if (isObjectType(type)) runtime = type;
    else {
      const name = v.__typename;
      const named = typeof name === 'string' ? schema.getType(name) : undefined;
      if (!named || !isObjectType(named) || !schema.isSubType(type, named)) {
        // Without its __typename the object's type cannot be known: every possible type's fields may appear.
        const possible = schema
          .getPossibleTypes(type)
          .map((t) => collect(schema, t, selectionSet, fragments, variables));
        const allowed = new Set(possible.flatMap((m) => [...m.keys()]));
        for (const key of Object.keys(v))
          if (!allowed.has(key)) problems.push(`${[...path, key].join('.')}: not asked for`);
        return;
      }
      runtime = named;
    }
    const fields = collect(schema, runtime, selectionSet, fragments, variables);
    for (const key of Object.keys(v))
      if (!fields.has(key)) problems.push(`${[...path, key].join('.')}: not asked for by ${runtime.name}`);
    for (const [key, nodes] of fields) {
      const node = nodes[0]!;
      const name = node.name.value;
      if (name === '__typename') {
        if (v[key] !== runtime.name)
          problems.push(`${[...path, key].join('.')}: ${String(v[key])} for a ${runtime.name}`);
        continue;
      }
      const def = runtime.getFields()[name];
      if (!def) {
        problems.push(`${[...path, key].join('.')}: ${runtime.name} has no field ${name}`);
        continue;
      }
      const merged: FieldNode =
        nodes.length === 1 || !node.selectionSet
          ? node
          : {
              ...node,
              selectionSet: {
                kind: Kind.SELECTION_SET,
                selections: nodes.flatMap((n) => n.selectionSet?.selections ?? []),
              },
            };
      value(v[key], def.type, merged, [...path, key]);
    }
  };

  object(answer.data as Record<string, unknown>, root!, operation.selectionSet, []);
  return problems;
}
