// The checked-in supergraph is not tied to one gateway: Apollo's composition of the same subgraph
// SDLs gives the same public API, so the gateway tier can move to Apollo Router or Hive Router.
import { composeServices } from '@apollo/composition';
import { ROUTER_SUPPORTED_SUPERGRAPH_FEATURES, Supergraph } from '@apollo/federation-internals';
import { describe, expect, it } from '@jest/globals';
import {
  buildASTSchema,
  GraphQLSchema,
  isSpecifiedDirective,
  lexicographicSortSchema,
  parse,
  printSchema,
} from 'graphql';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultSubgraphUrl } from '../../gateway/compose.ts';
import { MANIFESTS, SUBGRAPHS, schemas } from '../../subgraphs/index.ts';
import { ROOT } from '../../lib/paths.ts';

// Composed directives (`@cacheControl`, read by the gateway's response cache) are defined in our
// public schema; Apollo's API schema leaves their definitions out. Everything else must match.
const canonical = (schema: GraphQLSchema) =>
  printSchema(
    lexicographicSortSchema(
      new GraphQLSchema({ ...schema.toConfig(), directives: schema.getDirectives().filter(isSpecifiedDirective) }),
    ),
  );

describe('router compatibility', () => {
  it("Apollo's composition of the subgraphs gives the checked-in public API, type for type and field for field", () => {
    const result = composeServices(
      MANIFESTS.map((m) => ({ name: m.name, typeDefs: schemas.typeDefs(m.name), url: defaultSubgraphUrl(m) })),
    );
    expect(result.errors ?? []).toEqual([]);
    const apollo = result.schema!.toAPISchema().toGraphQLJSSchema();
    const ours = buildASTSchema(parse(readFileSync(join(ROOT, 'schema', 'api.graphql'), 'utf8')));
    expect(canonical(apollo)).toBe(canonical(ours));
  });

  // Apollo Router's feature set: Apollo Gateway (the JS runtime) refuses `@authenticated` and
  // `@requiresScopes` (features "for: SECURITY"), Apollo Router accepts them.
  it("the checked-in supergraph loads with Apollo Router's supported features and the same public API", () => {
    const supergraph = Supergraph.build(readFileSync(join(ROOT, 'schema', 'supergraph.graphql'), 'utf8'), {
      supportedFeatures: ROUTER_SUPPORTED_SUPERGRAPH_FEATURES,
    });
    expect([...supergraph.subgraphs().names()].sort()).toEqual([...SUBGRAPHS].sort());
    const ours = buildASTSchema(parse(readFileSync(join(ROOT, 'schema', 'api.graphql'), 'utf8')));
    expect(canonical(supergraph.apiSchema().toGraphQLJSSchema())).toBe(canonical(ours));
  });
});
