// One access model. Each subgraph declares, in its `policy.ts`, who may see every object type it
// produces and each field whose audience differs from its object's; `enforceAccess` applies that
// declaration to the executable schema, so every path that yields an object of a type (a root
// field, a list, a nested field, `_entities` and so `node`/`nodes` and every cross-subgraph join)
// passes the same rule. An object the caller may not see is answered as one that does not exist
// (null, or left out of a list); a field the caller may not see is null with a coded error.
// Adapters never interpret a viewer: they receive the scope `scopeOf` resolves from the same rule.
import {
  GraphQLError,
  defaultFieldResolver,
  getNamedType,
  isAbstractType,
  isListType,
  isNonNullType,
  isObjectType,
  type GraphQLFieldResolver,
  type GraphQLOutputType,
  type GraphQLSchema,
} from 'graphql';
import { isAdmin, type AuthState, type Viewer } from './auth.ts';
import { ErrorCode, apiError } from './errors.ts';

/** Who a rule may grant: everyone, any signed-in user, the record's owner, a member of its organization, an admin, a trusted service. */
export type Audience = 'anyone' | 'signedIn' | 'owner' | 'member' | 'admin' | 'service';
export const AUDIENCES: readonly Audience[] = ['anyone', 'signedIn', 'owner', 'member', 'admin', 'service'];

/** Who may see every object of a type. */
export interface ObjectRule<R> {
  see: readonly Audience[];
  /** Records that say they are public are also seen by `to`; `label` names such a record in the docs. */
  public?: { to: 'anyone' | 'signedIn'; when: (record: R) => boolean; label?: string };
  /** The user (or users, e.g. a payment's payer and payee) who own the record (`owner`). */
  owner?: (record: R) => string | null | undefined | readonly (string | null)[];
  /** The organization whose members see the record (`member`). */
  organization?: (record: R) => string | null | undefined;
}

export type TypeAccess<R> =
  /** A type with its own audience; `fields` narrows single fields further. */
  | { object: ObjectRule<R>; fields?: Record<string, readonly Audience[]> }
  /** A value inside another object (a quote, a quantity, a breakdown): seen wherever its parent is. */
  | { value: true }
  /** An entity another subgraph owns and decides on: this subgraph only adds fields to it. */
  | { reference: string };

/** A subgraph's declaration: every object type it defines, by name. */
export type AccessPolicy = Record<string, TypeAccess<never>>;

/** Types the model treats as structure, never as objects of their own: roots, federation's, and lists and payloads. */
export const STRUCTURAL_TYPE =
  /^(Query|Mutation|Subscription|_Service|PageInfo|UserError|Money|Mass)$|(Connection|Edge|Payload)$/;

/**
 * The declaration typed against a subgraph's records (codegen's `ResolversParentTypes`): each rule
 * receives the record its type resolves from.
 */
export function definePolicy<Records>(policy: { [T in keyof Records]?: TypeAccess<Records[T]> }): AccessPolicy {
  return policy as AccessPolicy;
}

/** The caller as a rule sees it, with the organization memberships of the subgraph that knows them. */
export interface AccessContext {
  auth: AuthState;
  /** Whether the viewer is a member of an organization (memberships the subgraph owning organizations keeps); absent: no one is. */
  memberOf?(organizationId: string): Promise<boolean>;
}

type Decision = boolean | Promise<boolean>;

const isThenable = (value: unknown): value is PromiseLike<unknown> =>
  typeof (value as PromiseLike<unknown> | null)?.then === 'function';

/** Whether the caller is in one audience of a record. */
function inAudience(audience: Audience, rule: ObjectRule<unknown>, record: unknown, ctx: AccessContext): Decision {
  const { viewer, service } = ctx.auth;
  switch (audience) {
    case 'anyone':
      return true;
    case 'signedIn':
      return viewer !== null;
    case 'admin':
      return isAdmin(viewer);
    case 'service':
      return service;
    case 'owner': {
      const owner = viewer && rule.owner?.(record);
      return Array.isArray(owner) ? owner.includes(viewer!.id) : Boolean(owner) && owner === viewer!.id;
    }
    case 'member': {
      const organization = viewer && rule.organization?.(record);
      return organization && ctx.memberOf ? ctx.memberOf(organization) : false;
    }
  }
}

/** Whether the caller is in any of the audiences (the cheap ones first; membership last). */
function inAny(
  audiences: readonly Audience[],
  rule: ObjectRule<unknown>,
  record: unknown,
  ctx: AccessContext,
): Decision {
  for (const audience of audiences)
    if (audience !== 'member' && inAudience(audience, rule, record, ctx) === true) return true;
  return audiences.includes('member') ? inAudience('member', rule, record, ctx) : false;
}

/** Whether the caller may see a record under an object rule. */
export function maySee<R>(rule: ObjectRule<R>, record: R, ctx: AccessContext): Decision {
  const r = rule as ObjectRule<unknown>;
  if (r.public?.when(record) && (r.public.to === 'anyone' || ctx.auth.viewer)) return true;
  return inAny(r.see, r, record, ctx);
}

/**
 * What an adapter may list for the caller: every record, none, or the public ones and/or the
 * caller's own (and those of the organizations given). The same rule as `maySee`, as a filter.
 */
export type Scope = { all: true } | { all: false; public: boolean; ownerId: string | null };

export const ALL: Scope = { all: true };
export const NONE: Scope = { all: false, public: false, ownerId: null };

export function scopeOf(rule: ObjectRule<never>, auth: AuthState): Scope {
  const { viewer, service } = auth;
  const grants = new Set(rule.see);
  if (
    grants.has('anyone') ||
    (grants.has('signedIn') && viewer) ||
    (grants.has('admin') && isAdmin(viewer)) ||
    (grants.has('service') && service)
  )
    return ALL;
  return {
    all: false,
    public: Boolean(rule.public && (rule.public.to === 'anyone' || viewer)),
    ownerId: grants.has('owner') && viewer ? viewer.id : null,
  };
}

/** The scope of one type of a policy, for its adapters. */
export function scopeFor(policy: AccessPolicy, type: string, auth: AuthState): Scope {
  const access = policy[type];
  if (!access || !('object' in access)) throw new Error(`${type} has no object rule`);
  return scopeOf(access.object, auth);
}

/**
 * A scope as a row filter (lib/rows.ts and MikroORM read the same shape): every row, the public
 * ones (`isPublic`), the caller's own (by any of `ownerFields`), or none.
 */
export function scopeFilter(scope: Scope, ownerFields: readonly string[] = []): Record<string, unknown> {
  if (scope.all) return {};
  const any: Record<string, unknown>[] = [];
  if (scope.public) any.push({ isPublic: true });
  if (scope.ownerId !== null) for (const field of ownerFields) any.push({ [field]: scope.ownerId });
  return any.length ? { $or: any } : { id: { $in: [] } };
}

/** What an adapter is told of its caller: the scope of each type it reads, and whom a write acts for. */
export interface CallerScope {
  /** The scope of one type of the subgraph's policy. */
  of(type: string): Scope;
  /** The signed-in user a write acts for (the buyer, the account holder); null when anonymous. */
  readonly actor: Viewer | null;
}

export function callerScope(policy: AccessPolicy, auth: AuthState): CallerScope {
  const scopes = new Map<string, Scope>();
  return {
    of(type) {
      let scope = scopes.get(type);
      if (!scope) scopes.set(type, (scope = scopeFor(policy, type, auth)));
      return scope;
    },
    actor: auth.viewer,
  };
}

/** Whether a record is inside a scope (for adapters that filter what an upstream returned). */
export function inScope(scope: Scope, record: { isPublic?: boolean }, ownerId: string | null | undefined): boolean {
  return (
    scope.all || (scope.public && record.isPublic === true) || (scope.ownerId !== null && ownerId === scope.ownerId)
  );
}

/** The refusal of a field the caller may not see. */
function fieldRefused(viewer: Viewer | null, problem: string | null, type: string, field: string): GraphQLError {
  return viewer
    ? apiError(ErrorCode.FORBIDDEN, `${type}.${field} is not visible to the caller`)
    : apiError(ErrorCode.UNAUTHENTICATED, problem ?? `${type}.${field} needs a token`);
}

/** A type's object rule, when it has one. */
function objectRule(policy: AccessPolicy, type: string): ObjectRule<unknown> | null {
  const access = policy[type];
  return access && 'object' in access ? (access.object as ObjectRule<unknown>) : null;
}

/** The object types of a schema that the model must know: every one but the structural ones and introspection's. */
export function declarableTypes(schema: GraphQLSchema): string[] {
  return Object.values(schema.getTypeMap())
    .filter((t) => isObjectType(t) && !t.name.startsWith('__') && !STRUCTURAL_TYPE.test(t.name))
    .map((t) => t.name)
    .sort();
}

/** Types of a schema with no declaration in a policy (a subgraph refuses to start with any). */
export function undeclaredTypes(schema: GraphQLSchema, policy: AccessPolicy): string[] {
  return declarableTypes(schema).filter((name) => !policy[name]);
}

type Resolver = GraphQLFieldResolver<unknown, AccessContext, Record<string, unknown>>;

/**
 * Applies a policy to an executable subgraph schema, in place: every field that yields objects of
 * a type with an object rule lets through only the objects the caller may see (whatever produced
 * them), and every field with a field rule answers only its audience. Throws when a type of the
 * schema has no declaration.
 */
export function enforceAccess(schema: GraphQLSchema, policy: AccessPolicy): GraphQLSchema {
  const missing = undeclaredTypes(schema, policy);
  if (missing.length)
    throw new Error(
      `No access rule declared for ${missing.join(', ')} (declare each type in the subgraph's policy.ts)`,
    );
  for (const [name, access] of Object.entries(policy)) {
    const type = schema.getType(name);
    if (!type || !isObjectType(type))
      throw new Error(`The access policy names ${name}, which is no object type of the subgraph`);
    if ('object' in access)
      for (const field of Object.keys(access.fields ?? {})) {
        if (!type.getFields()[field])
          throw new Error(`The access policy names ${name}.${field}, which the type does not have`);
      }
  }

  /** Filters a produced value (an object, a list, nested lists) by the rule of each object's type. */
  const visible = (value: unknown, returnType: GraphQLOutputType, ctx: AccessContext): unknown => {
    if (value === null || value === undefined) return value;
    if (isThenable(value)) return value.then((v) => visible(v, returnType, ctx));
    const nonNull = isNonNullType(returnType);
    const type = nonNull ? returnType.ofType : returnType;
    if (isListType(type)) {
      // A hidden item of a list is left out (where items are non-null) or null: never an error.
      const itemType = isNonNullType(type.ofType) ? type.ofType.ofType : type.ofType;
      const items = (value as unknown[]).map((item) => visible(item, itemType, ctx));
      const keep = (settled: unknown[]) =>
        isNonNullType(type.ofType) ? settled.filter((v) => v !== null && v !== undefined) : settled;
      return items.some(isThenable) ? Promise.all(items).then(keep) : keep(items);
    }
    const typeName = isAbstractType(type) ? (value as { __typename?: string }).__typename : type.name;
    const rule = typeName ? objectRule(policy, typeName) : null;
    if (!rule) return value;
    const decide = (allowed: boolean) => {
      if (allowed) return value;
      if (nonNull) throw apiError(ErrorCode.NOT_FOUND, `${typeName} not found`);
      return null;
    };
    const decision = maySee(rule, value, ctx);
    return typeof decision === 'boolean' ? decide(decision) : decision.then(decide);
  };

  const yieldsRuledObjects = (returnType: GraphQLOutputType) => {
    const named = getNamedType(returnType);
    if (isAbstractType(named)) return schema.getPossibleTypes(named).some((t) => objectRule(policy, t.name));
    return objectRule(policy, named.name) !== null;
  };

  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    const access = policy[type.name];
    const fieldRules = access && 'object' in access ? (access.fields ?? {}) : {};
    const rule = objectRule(policy, type.name);
    for (const field of Object.values(type.getFields())) {
      let resolve: Resolver = (field.resolve as Resolver | undefined) ?? defaultFieldResolver;
      const audiences = fieldRules[field.name];
      if (audiences && rule) {
        const inner = resolve;
        resolve = (source, args, ctx, info) => {
          const allowed = inAny(audiences, rule, source, ctx);
          const answer = (ok: boolean) => {
            if (!ok) throw fieldRefused(ctx.auth.viewer, ctx.auth.tokenProblem, type.name, field.name);
            return inner(source, args, ctx, info);
          };
          return typeof allowed === 'boolean' ? answer(allowed) : allowed.then(answer);
        };
      }
      if (yieldsRuledObjects(field.type)) {
        const inner = resolve;
        resolve = (source, args, ctx, info) => visible(inner(source, args, ctx, info), field.type, ctx);
      }
      field.resolve = resolve as GraphQLFieldResolver<unknown, unknown>;
    }
  }
  return schema;
}
