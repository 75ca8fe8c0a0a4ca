// The length of every string a client sends (String and ID arguments and input fields, in lists
// too), declared once, in the subgraph SDL beside the field: `@maxLength(characters: N)`, or
// MAX_STRING_LENGTH when the field says nothing (MAX_CURSOR_LENGTH for `after` and `before`). Reading a subgraph's SDL (for serving and for
// composition alike) writes the limit into the field's description, so introspection documents
// exactly what is enforced, and drops the directive. Every subgraph refuses a longer string before
// its resolver runs, in both modes and on SQLite and PostgreSQL alike: an INVALID user error on
// the field when the field answers a payload with `userErrors`, else BAD_USER_INPUT.
import {
  Kind,
  defaultFieldResolver,
  getNamedType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isObjectType,
  visit,
  type ConstDirectiveNode,
  type DocumentNode,
  type GraphQLFieldResolver,
  type GraphQLInputType,
  type GraphQLSchema,
  type InputValueDefinitionNode,
  type TypeNode,
} from 'graphql';
import { badInput } from './errors.ts';
import { MAX_CURSOR_LENGTH, MAX_STRING_LENGTH } from './limits.ts';

/** The directive that declares a field's limit when it is not MAX_STRING_LENGTH. */
export const MAX_LENGTH_DIRECTIVE = 'maxLength';

/** Characters at most, by schema coordinate: `Input.field` for input fields, `Type.field(argument)` for arguments. */
export type StringLimits = ReadonlyMap<string, number>;

const namedTypeOf = (type: TypeNode): string =>
  type.kind === Kind.NAMED_TYPE ? type.name.value : namedTypeOf(type.type);

const isStringInput = (node: InputValueDefinitionNode) => ['String', 'ID'].includes(namedTypeOf(node.type));

/** The sentence a description carries for a limit. */
export const limitSentence = (max: number) => `At most ${max} characters.`;

/** The limit a description states (`at most N characters`, `M..N characters`, `M to N printable characters`), or null. */
export function statedLimit(description: string): number | null {
  const found = /(?:at most|\d+ *(?:\.\.|to)) *(\d+)(?: [a-z]+){0,3} characters/i.exec(description);
  return found ? Number(found[1]) : null;
}

/** Relay's cursor arguments: their default is MAX_CURSOR_LENGTH. */
const CURSOR_ARGUMENTS = new Set(['after', 'before']);

function declaredLimit(coordinate: string, node: InputValueDefinitionNode, isArgument: boolean): number {
  const directive = node.directives?.find((d) => d.name.value === MAX_LENGTH_DIRECTIVE);
  if (!directive) return isArgument && CURSOR_ARGUMENTS.has(node.name.value) ? MAX_CURSOR_LENGTH : MAX_STRING_LENGTH;
  if (!isStringInput(node)) throw new Error(`${coordinate}: @${MAX_LENGTH_DIRECTIVE} is for String and ID inputs only`);
  const value = directive.arguments?.find((a) => a.name.value === 'characters')?.value;
  const max = value?.kind === Kind.INT ? Number(value.value) : NaN;
  if (!Number.isInteger(max) || max < 1)
    throw new Error(`${coordinate}: @${MAX_LENGTH_DIRECTIVE}(characters:) must be a positive integer`);
  return max;
}

/**
 * Reads every string input's limit from a subgraph's SDL and returns the SDL as served and
 * composed: each such field's description states its limit, and `@maxLength` is gone. A
 * description that states another limit is an error.
 */
export function applyStringLimits(document: DocumentNode): { document: DocumentNode; limits: Map<string, number> } {
  const limits = new Map<string, number>();
  const withLimit = (
    coordinate: string,
    node: InputValueDefinitionNode,
    isArgument: boolean,
  ): InputValueDefinitionNode => {
    const max = declaredLimit(coordinate, node, isArgument);
    const directives = node.directives?.filter((d: ConstDirectiveNode) => d.name.value !== MAX_LENGTH_DIRECTIVE);
    if (!isStringInput(node)) return { ...node, directives };
    limits.set(coordinate, max);
    const text = node.description?.value.trim() ?? '';
    const stated = statedLimit(text);
    if (stated !== null && stated !== max)
      throw new Error(
        `${coordinate}: the description says ${stated} characters, the limit is ${max} (declare it with @${MAX_LENGTH_DIRECTIVE})`,
      );
    const value = stated === max ? text : `${text}${text ? ' ' : ''}${limitSentence(max)}`;
    return { ...node, directives, description: { kind: Kind.STRING, value, block: value.length > 80 } };
  };
  const fieldsOf = (
    typeName: string,
    fields: readonly { name: { value: string }; arguments?: readonly InputValueDefinitionNode[] }[] | undefined,
  ) =>
    fields?.map((field) => ({
      ...field,
      arguments: field.arguments?.map((arg) =>
        withLimit(`${typeName}.${field.name.value}(${arg.name.value})`, arg, true),
      ),
    }));
  const objectLike = (node: {
    name: { value: string };
    fields?: readonly { name: { value: string }; arguments?: readonly InputValueDefinitionNode[] }[];
  }) => ({
    ...node,
    fields: fieldsOf(node.name.value, node.fields),
  });
  const inputLike = (node: { name: { value: string }; fields?: readonly InputValueDefinitionNode[] }) => ({
    ...node,
    fields: node.fields?.map((f) => withLimit(`${node.name.value}.${f.name.value}`, f, false)),
  });
  const out = visit(document, {
    DirectiveDefinition: (node) => (node.name.value === MAX_LENGTH_DIRECTIVE ? null : undefined),
    ObjectTypeDefinition: objectLike,
    ObjectTypeExtension: objectLike,
    InterfaceTypeDefinition: objectLike,
    InterfaceTypeExtension: objectLike,
    InputObjectTypeDefinition: inputLike,
    InputObjectTypeExtension: inputLike,
  });
  return { document: out, limits };
}

/** Characters as PostgreSQL counts them (code points), not UTF-16 units. */
const characters = (s: string) => (s.length <= 1 ? s.length : [...s].length);

interface TooLong {
  path: string;
  max: number;
}

/** The first string of a value (an argument's, at `path`) longer than its limit, or null. */
function firstTooLong(
  value: unknown,
  type: GraphQLInputType,
  max: number | undefined,
  path: string,
  limits: StringLimits,
): TooLong | null {
  if (value === null || value === undefined) return null;
  if (isNonNullType(type)) return firstTooLong(value, type.ofType, max, path, limits);
  if (isListType(type)) {
    for (const [i, item] of (value as unknown[]).entries()) {
      const found = firstTooLong(item, type.ofType, max, `${path}.${i}`, limits);
      if (found) return found;
    }
    return null;
  }
  if (typeof value === 'string')
    return max !== undefined && value.length > max && characters(value) > max ? { path, max } : null;
  if (!isInputObjectType(type)) return null;
  for (const field of Object.values(type.getFields())) {
    const found = firstTooLong(
      (value as Record<string, unknown>)[field.name],
      field.type,
      limits.get(`${type.name}.${field.name}`),
      `${path}.${field.name}`,
      limits,
    );
    if (found) return found;
  }
  return null;
}

/** Whether an input type can hold a string anywhere. */
function holdsStrings(type: GraphQLInputType, seen = new Set<string>()): boolean {
  const named = getNamedType(type);
  if (named.name === 'String' || named.name === 'ID') return true;
  if (!isInputObjectType(named) || seen.has(named.name)) return false;
  seen.add(named.name);
  return Object.values(named.getFields()).some((f) => holdsStrings(f.type, seen));
}

type Resolver = GraphQLFieldResolver<unknown, unknown, Record<string, unknown>>;

/**
 * Wraps every field that takes strings so that a string longer than its limit is refused before
 * the field's resolver runs: `{ userErrors: [INVALID on the field] }` when the field answers a
 * payload with `userErrors`, else a BAD_USER_INPUT error naming the field. In place; the
 * outermost wrapper, so it sees the arguments as the client sent them.
 */
export function withStringLimits(schema: GraphQLSchema, limits: StringLimits): GraphQLSchema {
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) {
      const checked = field.args
        .filter((a) => holdsStrings(a.type))
        .map((a) => ({ arg: a, max: limits.get(`${type.name}.${field.name}(${a.name})`) }));
      if (!checked.length) continue;
      const returned = getNamedType(field.type);
      const answersUserErrors = isObjectType(returned) && 'userErrors' in returned.getFields();
      const inner: Resolver = (field.resolve as Resolver | undefined) ?? defaultFieldResolver;
      field.resolve = (source, args, ctx, info) => {
        for (const { arg, max } of checked) {
          const found = firstTooLong(args[arg.name], arg.type, max, arg.name, limits);
          if (!found) continue;
          const message = `"${found.path}" has at most ${found.max} characters`;
          if (answersUserErrors) return { userErrors: [{ field: found.path.split('.'), code: 'INVALID', message }] };
          throw badInput(message, found.path);
        }
        return inner(source, args, ctx, info);
      };
    }
  }
  return schema;
}
