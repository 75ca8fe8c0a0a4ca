// Query limits, applied before a document is validated or planned. Every measure is computed in
// one pass over the document with each fragment measured once (memoized), so fragments that
// double at each level are measured in linear time instead of being expanded.
import {
  GraphQLError,
  Kind,
  Lexer,
  Source,
  TokenKind,
  getNamedType,
  getNullableType,
  isCompositeType,
  isListType,
  isObjectType,
  isInterfaceType,
  parse,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';
import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';

export interface QueryLimits {
  /** Lexical tokens of the document; parsing stops past it. */
  maxTokens: number;
  /** Aliased fields, counted as executed (a fragment's aliases once per spread). */
  maxAliases: number;
  /** Directives, counted as executed. */
  maxDirectives: number;
  /** Fields once every fragment spread is expanded. */
  maxSelections: number;
  /** Deepest field nesting, fragments included. */
  maxDepth: number;
  /** Cost of the operation from field weights and list sizes (see `operationCost`). */
  maxCost: number;
}

/** Stable `extensions.code` of each refusal. */
export const LimitCode = {
  tokens: 'QUERY_TOO_MANY_TOKENS',
  aliases: 'QUERY_TOO_MANY_ALIASES',
  directives: 'QUERY_TOO_MANY_DIRECTIVES',
  selections: 'QUERY_TOO_MANY_SELECTIONS',
  depth: 'QUERY_TOO_DEEP',
  cost: 'QUERY_TOO_COMPLEX',
} as const;

function refusal(code: string, message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code, http: { status: 400 } } });
}

/** Tokens of a document, counted up to `max + 1` (a lexing error stops the count). */
export function countTokens(source: string, max: number): number {
  const lexer = new Lexer(new Source(source));
  let count = 0;
  try {
    while (count <= max && lexer.advance().kind !== TokenKind.EOF) count++;
  } catch {
    // A syntax error: the parser reports it.
  }
  return count;
}

/** Parses with a token limit, so a huge document is never parsed in full. */
export function parseWithinTokens(
  source: string,
  maxTokens: number,
  options?: Parameters<typeof parse>[1],
): DocumentNode {
  try {
    return parse(source, { ...options, maxTokens });
  } catch (error) {
    if (countTokens(source, maxTokens) > maxTokens)
      throw refusal(LimitCode.tokens, `Query has more than ${maxTokens} tokens`);
    throw error;
  }
}

/** What a selection set amounts to once expanded. */
export interface DocumentMeasure {
  aliases: number;
  directives: number;
  selections: number;
  depth: number;
}

const ZERO: DocumentMeasure = { aliases: 0, directives: 0, selections: 0, depth: 0 };

function fragmentsOf(document: DocumentNode): Map<string, FragmentDefinitionNode> {
  return new Map(
    document.definitions
      .filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION)
      .map((f) => [f.name.value, f]),
  );
}

/** Expanded measures of every operation of a document, each fragment measured once. */
export function measureDocument(document: DocumentNode): DocumentMeasure {
  const fragments = fragmentsOf(document);
  const memo = new Map<string, DocumentMeasure>();
  const measuring = new Set<string>();

  const fragment = (name: string): DocumentMeasure => {
    const known = memo.get(name);
    if (known) return known;
    const definition = fragments.get(name);
    // Unknown and cyclic spreads are validation errors, reported after these limits pass.
    if (!definition || measuring.has(name)) return ZERO;
    measuring.add(name);
    const inner = selectionSet(definition.selectionSet);
    measuring.delete(name);
    const measure = { ...inner, directives: inner.directives + (definition.directives?.length ?? 0) };
    memo.set(name, measure);
    return measure;
  };

  const selectionSet = (set: SelectionSetNode | undefined): DocumentMeasure => {
    const total = { aliases: 0, directives: 0, selections: 0, depth: 0 };
    for (const selection of set?.selections ?? []) {
      const own = selection.directives?.length ?? 0;
      let inner: DocumentMeasure;
      if (selection.kind === Kind.FIELD) {
        const child = selectionSet(selection.selectionSet);
        inner = {
          aliases: child.aliases + (selection.alias ? 1 : 0),
          directives: child.directives,
          selections: child.selections + 1,
          depth: child.depth + 1,
        };
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        inner = selectionSet(selection.selectionSet);
      } else {
        inner = fragment(selection.name.value);
      }
      total.aliases += inner.aliases;
      total.directives += inner.directives + own;
      total.selections += inner.selections;
      total.depth = Math.max(total.depth, inner.depth);
    }
    return total;
  };

  const total = { ...ZERO };
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
    const measure = selectionSet(definition.selectionSet);
    const own =
      (definition.directives?.length ?? 0) +
      (definition.variableDefinitions ?? []).reduce((n, v) => n + (v.directives?.length ?? 0), 0);
    total.aliases += measure.aliases;
    total.directives += measure.directives + own;
    total.selections += measure.selections;
    total.depth = Math.max(total.depth, measure.depth);
  }
  return total;
}

/** The first limit a document's shape exceeds, as a coded error; null when it fits. */
export function checkShape(document: DocumentNode, limits: QueryLimits): GraphQLError | null {
  const m = measureDocument(document);
  if (m.depth > limits.maxDepth)
    return refusal(LimitCode.depth, `Query is nested deeper than ${limits.maxDepth} levels`);
  if (m.aliases > limits.maxAliases)
    return refusal(LimitCode.aliases, `Query has more than ${limits.maxAliases} aliases`);
  if (m.directives > limits.maxDirectives)
    return refusal(LimitCode.directives, `Query has more than ${limits.maxDirectives} directives`);
  if (m.selections > limits.maxSelections)
    return refusal(
      LimitCode.selections,
      `Query selects more than ${limits.maxSelections} fields once its fragments are expanded`,
    );
  return null;
}

/** Size of a list whose size the query does not set: the API's default page size. */
export const DEFAULT_LIST_SIZE = 20;
/** Arguments that set how many items a field returns. */
const SLICING_ARGUMENTS = new Set(['first', 'last', 'limit']);
/** Weight of a root mutation field: a write costs more than a read. */
const MUTATION_WEIGHT = 10;
/** A list argument that names the objects a list field returns, one item each (`nodes(ids:)`). */
const LISTING_ARGUMENT = 'ids';

function sliceSize(
  field: FieldNode,
  definition: GraphQLField<unknown, unknown>,
  variables: Record<string, unknown>,
): number | null {
  const slicing = definition.args.filter((a) => SLICING_ARGUMENTS.has(a.name));
  if (slicing.length === 0) return null;
  let size: number | null = null;
  for (const arg of slicing) {
    const node = field.arguments?.find((a) => a.name.value === arg.name)?.value;
    const value = node ? intValue(node, variables) : typeof arg.defaultValue === 'number' ? arg.defaultValue : null;
    if (value !== null) size = Math.max(size ?? 0, value);
  }
  return size ?? DEFAULT_LIST_SIZE;
}

/** How many items a list field returns when an argument lists them (`nodes(ids: [...])`); null otherwise. */
function listedSize(
  field: FieldNode,
  definition: GraphQLField<unknown, unknown>,
  variables: Record<string, unknown>,
): number | null {
  if (!definition.args.some((a) => a.name === LISTING_ARGUMENT)) return null;
  const node = field.arguments?.find((a) => a.name.value === LISTING_ARGUMENT)?.value;
  if (node?.kind === Kind.LIST) return node.values.length;
  if (node?.kind === Kind.VARIABLE) {
    const value = variables[node.name.value];
    return Array.isArray(value) ? value.length : value == null ? null : 1;
  }
  // A single literal id is coerced to a list of one.
  return node ? 1 : null;
}

function intValue(node: ValueNode, variables: Record<string, unknown>): number | null {
  if (node.kind === Kind.INT) return Math.max(0, Number(node.value));
  if (node.kind === Kind.VARIABLE) {
    const value = variables[node.name.value];
    return typeof value === 'number' && Number.isFinite(value) ? Math.max(0, value) : null;
  }
  return null;
}

/**
 * Cost of an operation: a field returning an object weighs 1 (a root mutation field 10), a
 * scalar 0; a field with `first`/`last`/`limit` multiplies its children's cost by that number
 * (given, from a variable, its default, or 20), a list whose `ids` argument names its objects by
 * their number, and any other list by 20 unless it is the page of a connection (`edges`, `nodes`). Introspection fields cost nothing: their size is the
 * schema's, not the caller's. Each fragment is costed once.
 */
export function operationCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown> = {},
): number {
  const fragments = fragmentsOf(document);
  const memo = new Map<string, number>();
  const costing = new Set<string>();
  const root =
    operation.operation === 'mutation'
      ? schema.getMutationType()
      : operation.operation === 'subscription'
        ? schema.getSubscriptionType()
        : schema.getQueryType();

  const fragment = (name: string): number => {
    const known = memo.get(name);
    if (known !== undefined) return known;
    const definition = fragments.get(name);
    if (!definition || costing.has(name)) return 0;
    costing.add(name);
    const cost = selectionSet(definition.selectionSet, schema.getType(definition.typeCondition.name.value));
    costing.delete(name);
    memo.set(name, cost);
    return cost;
  };

  const selectionSet = (set: SelectionSetNode | undefined, parent: GraphQLNamedType | null | undefined): number => {
    let total = 0;
    for (const selection of set?.selections ?? []) {
      if (selection.kind === Kind.FRAGMENT_SPREAD) total += fragment(selection.name.value);
      else if (selection.kind === Kind.INLINE_FRAGMENT)
        total += selectionSet(
          selection.selectionSet,
          selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parent,
        );
      else total += fieldCost(selection, parent);
    }
    return total;
  };

  const fieldCost = (field: FieldNode, parent: GraphQLNamedType | null | undefined): number => {
    if (field.name.value.startsWith('__')) return 0;
    if (!parent || !(isObjectType(parent) || isInterfaceType(parent))) return 0;
    const definition = parent.getFields()[field.name.value];
    if (!definition) return 0;
    const type = getNamedType(definition.type);
    const weight =
      parent === root && operation.operation === 'mutation' ? MUTATION_WEIGHT : isCompositeType(type) ? 1 : 0;
    const children = selectionSet(field.selectionSet, type);
    const slice = sliceSize(field, definition, variables);
    if (slice !== null) return weight + slice * children;
    const isPage = parent.name.endsWith('Connection');
    const items =
      isListType(getNullableType(definition.type)) && !isPage
        ? (listedSize(field, definition, variables) ?? DEFAULT_LIST_SIZE)
        : 1;
    return items * (weight + children);
  };

  return selectionSet(operation.selectionSet, root);
}

/** The cost limit of one operation, as a coded error; null when it fits. */
export function checkCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Record<string, unknown>,
  maxCost: number,
): GraphQLError | null {
  const operations = document.definitions.filter(
    (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
  );
  const operation = operationName ? operations.find((o) => o.name?.value === operationName) : operations[0];
  if (!operation) return null;
  const cost = operationCost(schema, document, operation, variables);
  return cost > maxCost ? refusal(LimitCode.cost, `Query costs ${cost}, more than the limit of ${maxCost}`) : null;
}

/** Variable sets whose cost is kept per document. */
const COSTS_PER_DOCUMENT = 32;

interface RequestParams {
  params?: { operationName?: string | null; variables?: Record<string, unknown> | null };
}

/**
 * The gateway plugin: the token limit while parsing, the shape limits before validation (so a
 * refused document is never validated or planned), the cost limit once the document is valid
 * (it needs the schema and the variables) and before authorisation filters it or it is planned.
 */
export function queryLimits(limits: QueryLimits): GatewayPlugin {
  // A document's shape does not change: measured once per parsed (and cached) document.
  const shapes = new WeakMap<DocumentNode, GraphQLError | null>();
  const shapeOf = (document: DocumentNode) => {
    let shape = shapes.get(document);
    if (shape === undefined) shapes.set(document, (shape = checkShape(document, limits)));
    return shape;
  };
  // A document's cost depends only on the schema, the operation and the variables: kept per
  // document for a few variable sets (most queries are sent with the same few, or none).
  const costs = new WeakMap<GraphQLSchema, WeakMap<DocumentNode, Map<string, GraphQLError | null>>>();
  const costOf = (
    schema: GraphQLSchema,
    document: DocumentNode,
    operationName: string | null | undefined,
    variables: Record<string, unknown>,
  ) => {
    let bySchema = costs.get(schema);
    if (!bySchema) costs.set(schema, (bySchema = new WeakMap()));
    let byVariables = bySchema.get(document);
    if (!byVariables) bySchema.set(document, (byVariables = new Map()));
    const key = `${operationName ?? ''}\n${JSON.stringify(variables)}`;
    let cost = byVariables.get(key);
    if (cost === undefined) {
      cost = checkCost(schema, document, operationName, variables, limits.maxCost);
      if (byVariables.size >= COSTS_PER_DOCUMENT) byVariables.clear();
      byVariables.set(key, cost);
    }
    return cost;
  };
  return {
    onParse({ setParseFn }) {
      setParseFn((source, options) =>
        parseWithinTokens(typeof source === 'string' ? source : source.body, limits.maxTokens, options),
      );
    },
    onValidate({ params, context, setResult }) {
      const shape = shapeOf(params.documentAST);
      if (shape) {
        setResult([shape]);
        return;
      }
      return ({ valid, result, setResult: setFinalResult }) => {
        if (!valid) return;
        const request = (context as RequestParams).params;
        const cost = costOf(params.schema, params.documentAST, request?.operationName, request?.variables ?? {});
        // A new array: the cached validation result of the document is left as it is.
        if (cost) setFinalResult([...result, cost]);
      };
    },
  };
}
