// The subgraphs' SDLs as served and composed, read from their folders: what the composition and
// the subgraph servers share, without loading any server code. The subgraphs are given (their
// names, and which one owns `Node`); lib/ knows none by name.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, type DocumentNode } from 'graphql';
import { entityCatalogue, nodeSdl, type EntityCatalogue } from './global-id.ts';
import { ROOT } from './paths.ts';
import { applyStringLimits, type StringLimits } from './string-limits.ts';

/** What the SDLs need to know of a subgraph. */
export interface SchemaSubgraph {
  name: string;
  /** It owns the `Node` interface and answers `node`/`nodes` for every entity type. */
  ownsNode?: boolean;
}

/** A subgraph's own schema.graphql, as written. */
export const ownSdl = (name: string) => readFileSync(join(ROOT, 'subgraphs', name, 'schema.graphql'), 'utf8');

/** The SDLs of a set of subgraphs, each parsed once. */
export class SubgraphSchemas {
  private catalogue: EntityCatalogue | undefined;
  private readonly limited = new Map<string, ReturnType<typeof applyStringLimits>>();

  readonly subgraphs: readonly SchemaSubgraph[];

  constructor(subgraphs: readonly SchemaSubgraph[]) {
    this.subgraphs = subgraphs;
  }

  /** The subgraph that answers `node`/`nodes`, if any. */
  get nodeOwner(): string | undefined {
    return this.subgraphs.find((s) => s.ownsNode)?.name;
  }

  /** Every entity type of the supergraph, read from the subgraph SDLs. */
  entities(): EntityCatalogue {
    this.catalogue ??= entityCatalogue(this.subgraphs.map(({ name }) => [name, parse(ownSdl(name))]));
    return this.catalogue;
  }

  /**
   * The SDL of a subgraph: its own schema.graphql plus the shared value types, and for the owner
   * of `Node` the interface, `node`/`nodes` and every entity type as its implementation.
   */
  sdl(name: string): string {
    const own = ownSdl(name);
    const common = readFileSync(join(ROOT, 'schema', 'common.graphql'), 'utf8');
    const node = name === this.nodeOwner ? `\n${nodeSdl(parse(own), this.entities())}` : '';
    return `${own}\n${common}${node}`;
  }

  /** The subgraph's SDL as served and composed: every string input's description states its length limit. */
  typeDefs(name: string): DocumentNode {
    return this.withLimits(name).document;
  }

  /** The length limit of every string input of a subgraph, by schema coordinate (declared in its SDL). */
  stringLimits(name: string): StringLimits {
    return this.withLimits(name).limits;
  }

  private withLimits(name: string) {
    let found = this.limited.get(name);
    if (!found) this.limited.set(name, (found = applyStringLimits(parse(this.sdl(name)))));
    return found;
  }
}
