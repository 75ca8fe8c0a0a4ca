import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { composeServices, compositionHasErrors } from '@theguild/federation-composition';
import { Kind, print, visit, type DirectiveDefinitionNode, type DocumentNode } from 'graphql';
import { SUBGRAPHS, type SubgraphName } from '../lib/config.ts';
import { ROOT } from '../lib/paths.ts';
import { subgraphTypeDefs } from '../lib/sdl.ts';

/** The URL written into the supergraph; the gateway overrides it from config at run time. */
export const defaultSubgraphUrl = (_name: SubgraphName, i: number) => `http://127.0.0.1:${4001 + i}/graphql`;

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

/** Build-time composition of the four subgraphs; throws with every composition error. */
export function composeSupergraph(): Composed {
  const present = SUBGRAPHS.filter((name) => existsSync(join(ROOT, 'subgraphs', name, 'schema.graphql')));
  const services = present.map((name) => ({
    name,
    typeDefs: subgraphTypeDefs(name),
    url: defaultSubgraphUrl(name, SUBGRAPHS.indexOf(name)),
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
