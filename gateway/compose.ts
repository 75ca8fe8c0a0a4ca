import { composeServices, compositionHasErrors } from '@theguild/federation-composition';
import { Kind, print, visit, type DirectiveDefinitionNode, type DocumentNode } from 'graphql';
import type { SubgraphAddress } from '../lib/config.ts';
import type { SubgraphSchemas } from '../lib/sdl.ts';

/**
 * The URL written into the supergraph, on the subgraph's default port: the gateway reads the
 * subgraphs and their default ports from it, and overrides the URL from its configuration.
 */
export const defaultSubgraphUrl = (subgraph: SubgraphAddress) => `http://127.0.0.1:${subgraph.port}/graphql`;

export interface Composed {
  supergraphSdl: string;
  publicSdl: string;
}

/**
 * Composition keeps the first description it meets of a type, so the root types are described in
 * one subgraph only (the marketplace's), as the whole API; a second description is an error here
 * rather than a text that depends on the order of the subgraphs.
 */
export function rootDescriptionErrors(subgraphs: { name: string; typeDefs: DocumentNode }[]): string[] {
  const errors: string[] = [];
  for (const root of ['Query', 'Mutation', 'Subscription']) {
    const describedIn = subgraphs
      .filter(({ typeDefs }) =>
        typeDefs.definitions.some(
          (d) => d.kind === Kind.OBJECT_TYPE_DEFINITION && d.name.value === root && d.description,
        ),
      )
      .map(({ name }) => name);
    if (describedIn.length > 1)
      errors.push(
        `type ${root} is described in ${describedIn.join(' and ')}: describe the root types once, for the whole API (marketplace)`,
      );
  }
  return errors;
}

/**
 * Build-time composition of the subgraphs (subgraphs/index.ts, given by the caller: the gateway
 * imports no subgraph module); throws with every composition error.
 */
export function composeSupergraph(subgraphs: readonly SubgraphAddress[], schemas: SubgraphSchemas): Composed {
  const services = subgraphs.map((subgraph) => ({
    name: subgraph.name,
    typeDefs: schemas.typeDefs(subgraph.name),
    url: defaultSubgraphUrl(subgraph),
  }));
  const rootErrors = rootDescriptionErrors(services);
  if (rootErrors.length) throw new Error(`Composition failed:\n${rootErrors.map((e) => `  ${e}`).join('\n')}`);
  const result = composeServices(services);
  if (compositionHasErrors(result)) {
    throw new Error(`Composition failed:\n${result.errors.map((e) => `  ${e.message}`).join('\n')}`);
  }
  const publicDocument = withDirectiveDescriptions(
    result.publicDocumentNode,
    services.map((s) => s.typeDefs),
  );
  return { supergraphSdl: `${result.supergraphSdl.trim()}\n`, publicSdl: `${print(publicDocument).trim()}\n` };
}

/**
 * Composition drops the descriptions of composed directives (`@cacheControl`); the public schema
 * carries them as the subgraphs wrote them.
 */
function withDirectiveDescriptions(document: DocumentNode, subgraphs: DocumentNode[]): DocumentNode {
  const written = new Map<string, DirectiveDefinitionNode>();
  for (const typeDefs of subgraphs) {
    for (const d of typeDefs.definitions)
      if (d.kind === Kind.DIRECTIVE_DEFINITION && !written.has(d.name.value)) written.set(d.name.value, d);
  }
  return visit(document, {
    DirectiveDefinition(node) {
      const source = written.get(node.name.value);
      if (!source) return undefined;
      const args = node.arguments?.map((arg) => {
        const description =
          arg.description ?? source.arguments?.find((a) => a.name.value === arg.name.value)?.description;
        return { ...arg, description: description && { ...description, block: true } };
      });
      return { ...node, description: node.description ?? source.description, arguments: args };
    },
  });
}
