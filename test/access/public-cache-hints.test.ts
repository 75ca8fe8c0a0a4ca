// A field its subgraph marks `@cacheControl(scope: PUBLIC)` is answered to every caller from one
// kept answer (the gateway's response cache and its public subgraph fetches), so what it can reach
// must be the same for every caller. Checked against the declared policies (subgraphs/*/policy.ts),
// for every such field of the composed schema: each object type reachable from it (but through a
// field kept per caller: PRIVATE, @authenticated, @requiresScopes) must be one that anyone sees
// whole (`see: ['anyone']`, no narrower field), a value, or structure (lists, pages). A PUBLIC hint
// on a field that reaches anything else fails here, before a cache could serve one caller's view
// to another.
import { describe, expect, it } from '@jest/globals';
import { buildASTSchema, getNamedType, isObjectType, parse, type GraphQLField } from 'graphql';
import { STRUCTURAL_TYPE, type AccessPolicy, type TypeAccess } from '../../lib/access.ts';
import { cacheHintsOf, keptPerCaller } from '../../gateway/response-cache.ts';
import { loadSupergraph } from '../../gateway/server.ts';
import { policy as footprintsPolicy } from '../../subgraphs/footprints/policy.ts';
import { policy as marketplacePolicy } from '../../subgraphs/marketplace/policy.ts';
import { policy as paymentsPolicy } from '../../subgraphs/payments/policy.ts';
import { policy as registryPolicy } from '../../subgraphs/registry/policy.ts';

const POLICIES: AccessPolicy[] = [marketplacePolicy, paymentsPolicy, registryPolicy, footprintsPolicy];

/** A type's rule: the declaring subgraph's (an object or a value), not another's reference to it. */
function ruleOf(type: string): TypeAccess<never> | undefined {
  const all = POLICIES.flatMap((p) => (p[type] ? [p[type]] : []));
  return all.find((a) => 'object' in a) ?? all.find((a) => 'value' in a) ?? all[0];
}

const sdl = loadSupergraph({ urlOf: () => 'http://127.0.0.1:1/graphql' } as never);
const supergraph = buildASTSchema(parse(sdl), { assumeValidSDL: true });
// The hints as the gateway's caches read them (response-cache.ts).
const cacheHints = cacheHintsOf(sdl);
const { hints } = cacheHints;

/** Whether the gateway keeps an answer through this field per caller (or not at all), never for everyone. */
const perCaller = (parent: string, field: GraphQLField<unknown, unknown>) =>
  keptPerCaller(cacheHints, `${parent}.${field.name}`, getNamedType(field.type));

/** `Type.field` of every field hinted PUBLIC in the supergraph. */
function publicFields(): { coordinate: string; field: GraphQLField<unknown, unknown> }[] {
  return [...hints].flatMap(([coordinate, hint]) => {
    const [type, name] = coordinate.split('.');
    const owner = supergraph.getType(type!);
    const field = name && isObjectType(owner) ? owner.getFields()[name] : undefined;
    return hint.scope === 'PUBLIC' && field ? [{ coordinate, field }] : [];
  });
}

/** The object types an answer kept for everyone can hold under a field: every path but those kept per caller. */
function reachable(field: GraphQLField<unknown, unknown>): Set<string> {
  const seen = new Set<string>();
  const walk = (type: unknown) => {
    const named = getNamedType(type as never);
    if (!isObjectType(named) || seen.has(named.name)) return;
    seen.add(named.name);
    for (const f of Object.values(named.getFields())) if (!perCaller(named.name, f)) walk(f.type);
  };
  walk(field.type);
  return seen;
}

/** Why a type may not sit under a PUBLIC hint, or null when every caller sees it alike. */
function notPublic(type: string): string | null {
  if (STRUCTURAL_TYPE.test(type)) return null;
  const access = ruleOf(type);
  if (!access) return 'no declared rule';
  if ('value' in access) return null;
  if ('reference' in access) return `only referenced (decided by ${access.reference})`;
  const { object, fields } = access;
  if (object.see.length !== 1 || object.see[0] !== 'anyone') return `seen by ${object.see.join(', ')} only`;
  if (fields && Object.keys(fields).length) return `fields narrowed: ${Object.keys(fields).join(', ')}`;
  return null;
}

describe('PUBLIC cache hints and the access policies', () => {
  it.each(publicFields().map((f) => [f.coordinate, f.field] as const))(
    '%s reaches only types every caller sees alike',
    (_coordinate, field) => {
      const refused = [...reachable(field)].flatMap((type) => {
        const why = notPublic(type);
        return why ? [`${type}: ${why}`] : [];
      });
      expect(refused).toEqual([]);
    },
  );

  it('finds the fields hinted PUBLIC today, and refuses a type not everyone sees', () => {
    expect(publicFields().map((f) => f.coordinate)).toEqual(
      expect.arrayContaining(['Query.puroInventory', 'Query.creditTypes']),
    );
    expect(notPublic('CarbonCredit')).toBeNull();
    expect(notPublic('Order')).toMatch(/seen by/);
    expect(notPublic('MarketplaceOption')).toBeNull();
  });
});
