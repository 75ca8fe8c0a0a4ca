// Global object identification (Relay): every entity's id is `base64url("<Type>:<local id>")`,
// opaque, unique in the whole supergraph and naming its type. Subgraphs keep local ids in their
// storage and upstream calls; one schema transform encodes ids on the way out and decodes them on
// the way in (arguments, input fields, entity representations), and one subgraph answers
// `node(id:)`/`nodes(ids:)` for every entity type.
import {
  GraphQLError,
  defaultFieldResolver,
  getNamedType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  type DocumentNode,
  type GraphQLField,
  type GraphQLFieldResolver,
  type GraphQLInputType,
  type GraphQLSchema,
} from 'graphql';
import type { AuthState } from './auth.ts';
import { callService, type ServiceEndpoint } from './service-call.ts';
import { badInput } from './errors.ts';

/** Most ids `nodes(ids:)` takes at once. */
export const MAX_NODE_IDS = 100;

/** Every entity type (`@key`) of the supergraph and the subgraph that answers its references. */
export interface EntityCatalogue {
  owners: ReadonlyMap<string, string>;
}

export function toGlobalId(type: string, localId: string): string {
  return Buffer.from(`${type}:${localId}`, 'utf8').toString('base64url');
}

/** The type and local id of a global id of a known entity type; null for anything else. */
export function parseGlobalId(value: string, catalogue: EntityCatalogue): { type: string; id: string } | null {
  if (!/^[A-Za-z0-9_-]+$/.test(value)) return null;
  const text = Buffer.from(value, 'base64url').toString('utf8');
  const colon = text.indexOf(':');
  const [type, id] = [text.slice(0, colon), text.slice(colon + 1)];
  // Only the canonical encoding counts, so one object has exactly one global id.
  if (colon < 1 || !id || !catalogue.owners.has(type) || toGlobalId(type, id) !== value) return null;
  return { type, id };
}

/**
 * The local id of an incoming id: a global id (of `expected` when given) is decoded, any other
 * value is taken as a local id, as clients sent before ids were global.
 */
export function toLocalId(value: string, catalogue: EntityCatalogue, expected: string | null, field: string): string {
  const parsed = parseGlobalId(value, catalogue);
  if (!parsed) return value;
  if (expected && parsed.type !== expected)
    throw badInput(`"${field}" is the id of a ${parsed.type}, not of a ${expected}`, field);
  return parsed.id;
}

/** Entity types by subgraph SDL, each with the subgraph answering it (its root query field, else the first). */
export function entityCatalogue(sdls: [string, DocumentNode][]): EntityCatalogue {
  const owners = new Map<string, string>();
  const queried = new Map<string, string>();
  for (const [name, doc] of sdls) {
    for (const def of doc.definitions) {
      if (
        (def.kind === 'ObjectTypeDefinition' || def.kind === 'ObjectTypeExtension') &&
        def.directives?.some((d) => d.name.value === 'key')
      ) {
        if (!owners.has(def.name.value)) owners.set(def.name.value, name);
      }
    }
    for (const def of doc.definitions) {
      if ((def.kind !== 'ObjectTypeDefinition' && def.kind !== 'ObjectTypeExtension') || def.name.value !== 'Query')
        continue;
      for (const field of def.fields ?? []) {
        let type = field.type;
        while (type.kind !== 'NamedType') type = type.type;
        if (owners.has(type.name.value) && !queried.has(type.name.value)) queried.set(type.name.value, name);
      }
    }
  }
  for (const [type, name] of queried) owners.set(type, name);
  return { owners };
}

/**
 * What the owner subgraph adds to its SDL: the `Node` entity interface, `node`/`nodes`, and every
 * entity type as an implementation (a stub with its key when another subgraph defines it).
 */
export function nodeSdl(own: DocumentNode, catalogue: EntityCatalogue): string {
  const defined = new Set(own.definitions.flatMap((d) => ('name' in d && d.name ? [d.name.value] : [])));
  const types = [...catalogue.owners.keys()].sort();
  return `
"An object with a global id: \`node(id:)\` refetches it by that id."
interface Node @key(fields: "id") {
  "Global id: opaque, unique in the whole API, and naming the object's type."
  id: ID!
}

extend type Query {
  """
  Any object by its global id; null when it does not exist or the caller may not see it (with the
  error the object's own query gives, e.g. FORBIDDEN). An id that is no global id is BAD_USER_INPUT.
  """
  node("A global id (an object's \`id\`)." id: ID!): Node
  """
  Objects by their global ids, in the order given (at most ${MAX_NODE_IDS}, else BAD_USER_INPUT); each is
  null, with its error, as \`node\` would be.
  """
  nodes("Global ids (objects' \`id\`)." ids: [ID!]!): [Node]!
}
${types.map((t) => (defined.has(t) ? `extend type ${t} implements Node` : `type ${t} implements Node @key(fields: "id") { id: ID! }`)).join('\n')}
`;
}

type Resolver = GraphQLFieldResolver<unknown, unknown, Record<string, unknown>>;

const isThenable = (value: unknown): value is PromiseLike<unknown> =>
  typeof (value as PromiseLike<unknown> | null)?.then === 'function';

const lowerFirst = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);

/**
 * The entity a field named after it refers to: `organizationId`, `fromOrganizationId`,
 * `toOrganizationId` and `deletedOrganizationId` refer to an Organization, when the subgraph knows that type.
 */
function referencedEntity(fieldName: string, schema: GraphQLSchema, catalogue: EntityCatalogue): string | null {
  for (const type of catalogue.owners.keys()) {
    if (!schema.getType(type)) continue;
    const ref = `${type}Id`;
    if (fieldName === lowerFirst(ref) || ['from', 'to', 'deleted'].some((prefix) => fieldName === `${prefix}${ref}`))
      return type;
  }
  return null;
}

/** Whether a value of this input type can hold an ID anywhere. */
function holdsIds(type: GraphQLInputType, seen = new Set<string>()): boolean {
  const named = getNamedType(type);
  if (isScalarType(named)) return named.name === 'ID';
  if (!isInputObjectType(named) || seen.has(named.name)) return false;
  seen.add(named.name);
  return Object.values(named.getFields()).some((f) => holdsIds(f.type, seen));
}

interface Ids {
  schema: GraphQLSchema;
  catalogue: EntityCatalogue;
  /** `Type.field` ID fields named after an entity that may hold another entity's id: taken and answered as they are. */
  localFields: ReadonlySet<string>;
}

/** The entity a field named after one refers to, unless the field is declared local. */
function fieldEntity(typeName: string, fieldName: string, ids: Ids): string | null {
  return ids.localFields.has(`${typeName}.${fieldName}`)
    ? null
    : referencedEntity(fieldName, ids.schema, ids.catalogue);
}

function decodeInput(
  value: unknown,
  type: GraphQLInputType,
  expected: string | null,
  field: string,
  ids: Ids,
): unknown {
  const { catalogue } = ids;
  if (value === null || value === undefined) return value;
  if (isNonNullType(type)) return decodeInput(value, type.ofType, expected, field, ids);
  if (isListType(type))
    return (value as unknown[]).map((v, i) => decodeInput(v, type.ofType, expected, `${field}.${i}`, ids));
  if (isScalarType(type)) return type.name === 'ID' ? toLocalId(String(value), catalogue, expected, field) : value;
  if (!isInputObjectType(type)) return value;
  const out: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  for (const f of Object.values(type.getFields())) {
    if (f.name in out && holdsIds(f.type))
      out[f.name] = decodeInput(out[f.name], f.type, fieldEntity(type.name, f.name, ids), `${field}.${f.name}`, ids);
  }
  return out;
}

/** The entity an `id`/`ids` argument names: the field's own type when it is an entity. */
function argumentEntity(field: GraphQLField<unknown, unknown>, argName: string, ids: Ids): string | null {
  const returned = getNamedType(field.type).name;
  if ((argName === 'id' || argName === 'ids') && ids.catalogue.owners.has(returned)) return returned;
  return referencedEntity(argName, ids.schema, ids.catalogue);
}

/**
 * Encodes entity ids (and fields named after an entity, e.g. `organizationId`) as global ids in
 * answers, and decodes global ids in arguments, input fields and entity representations. The
 * schema's resolvers are wrapped in place.
 */
export function withGlobalIds(
  schema: GraphQLSchema,
  catalogue: EntityCatalogue,
  localFields: ReadonlySet<string> = new Set(),
): GraphQLSchema {
  const ids: Ids = { schema, catalogue, localFields };
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) {
      if (getNamedType(field.type).name === 'Node') continue; // node/nodes decode ids themselves
      let resolve: Resolver = (field.resolve as Resolver | undefined) ?? defaultFieldResolver;

      const idArgs = field.args.filter((a) => holdsIds(a.type));
      if (type.name === 'Query' && field.name === '_entities') {
        const inner = resolve;
        resolve = (source, args, ctx, info) => {
          const representations = (args.representations as Record<string, unknown>[]).map((r) => {
            const parsed = typeof r.id === 'string' ? parseGlobalId(r.id, catalogue) : null;
            return parsed && parsed.type === r.__typename ? { ...r, id: parsed.id } : r;
          });
          return inner(source, { ...args, representations }, ctx, info);
        };
      } else if (idArgs.length) {
        const inner = resolve;
        const expected = idArgs.map((a) => argumentEntity(field, a.name, ids));
        resolve = (source, args, ctx, info) => {
          const decoded = { ...args };
          idArgs.forEach((a, i) => (decoded[a.name] = decodeInput(args[a.name], a.type, expected[i]!, a.name, ids)));
          return inner(source, decoded, ctx, info);
        };
      }

      if (getNamedType(field.type).name === 'ID') {
        const entity =
          field.name === 'id' && catalogue.owners.has(type.name) ? type.name : fieldEntity(type.name, field.name, ids);
        if (entity) {
          const inner = resolve;
          const encodeOne = (v: unknown) => (v === null || v === undefined ? v : toGlobalId(entity, String(v)));
          const encode = (value: unknown) => (Array.isArray(value) ? value.map(encodeOne) : encodeOne(value));
          // Synchronous when the value is (an id read off its object is): no promise per id in a list.
          resolve = (source, args, ctx, info) => {
            const value = inner(source, args, ctx, info);
            return isThenable(value) ? value.then(encode) : encode(value);
          };
        }
      }
      field.resolve = resolve;
    }
  }
  return schema;
}

export interface NodeContext {
  auth: AuthState;
  requestId: string;
}

type NodeRef = { __typename: string; id: string };

/**
 * Resolves global ids for `node`/`nodes`. An object of a type this subgraph defines is resolved
 * here, by the type's reference resolver (`resolveHere`), so its fields come out as they do from
 * the type's own query; any other is asked of its owner's `_entities`, with the service credential
 * on the caller's behalf, which answers it only when the caller may see it (one call per owner),
 * and becomes a `{ __typename, id }` reference the gateway completes. Each answer is the object,
 * null (absent or not visible: the same), or the error the owner gave.
 */
export async function resolveNodes(
  ids: readonly string[],
  single: boolean,
  ctx: NodeContext,
  catalogue: EntityCatalogue,
  owner: {
    endpoint(name: string): ServiceEndpoint;
    resolveHere(ref: NodeRef): Promise<unknown> | unknown | undefined;
  },
): Promise<unknown[]> {
  if (ids.length > MAX_NODE_IDS) throw badInput(`"ids" takes at most ${MAX_NODE_IDS} ids`, 'ids');
  const field = (index: number) => (single ? '"id"' : `"ids.${index}"`);
  const answers: unknown[] = ids.map(() => null);
  const bySubgraph = new Map<string, { index: number; ref: NodeRef }[]>();
  const here: Promise<void>[] = [];
  ids.forEach((id, index) => {
    const parsed = parseGlobalId(id, catalogue);
    if (!parsed) {
      answers[index] = badInput(`${field(index)} is not a global id (an object's \`id\`)`, 'id');
      return;
    }
    const ref = { __typename: parsed.type, id: parsed.id };
    const resolved = owner.resolveHere(ref);
    if (resolved !== undefined) {
      here.push(
        Promise.resolve(resolved).then(
          (object) => void (answers[index] = object ? { ...(object as object), __typename: parsed.type } : null),
        ),
      );
      return;
    }
    const name = catalogue.owners.get(parsed.type)!;
    bySubgraph.set(name, [...(bySubgraph.get(name) ?? []), { index, ref }]);
  });
  await Promise.all([
    ...here,
    ...[...bySubgraph].map(async ([name, wanted]) => {
      const answer = await callService<{ _entities: (object | null)[] }>(
        name,
        owner.endpoint(name),
        { onBehalfOf: ctx.auth.token },
        'query NodeCheck($r: [_Any!]!) { _entities(representations: $r) { __typename } }',
        { r: wanted.map((w) => w.ref) },
        { requestId: ctx.requestId, partial: true },
      );
      wanted.forEach(({ index, ref }, i) => {
        const error =
          answer.errors?.find((e) => e.path?.[0] === '_entities' && e.path[1] === i) ??
          (answer.data ? undefined : answer.errors?.[0]);
        const code = error?.extensions?.code;
        if (error)
          answers[index] = new GraphQLError(error.message, {
            extensions: { code: typeof code === 'string' ? code : 'INTERNAL_SERVER_ERROR' },
          });
        else if (answer.problem !== undefined)
          answers[index] = new GraphQLError(`The ${name} subgraph is unavailable`, {
            extensions: { code: 'UPSTREAM_UNAVAILABLE', serviceName: name },
          });
        else if (answer.data._entities?.[i]) answers[index] = ref;
      });
    }),
  ]);
  return answers;
}
