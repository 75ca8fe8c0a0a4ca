// The registry subgraph as the rest of the project knows it: name, default port, variables (the
// ICR and CO2Trust's Puro integration in upstream mode), database, and that it answers
// `node`/`nodes` for every entity type. Imports no server code.
import { join } from 'node:path';
import { z } from 'zod';
import type { Config, SubgraphManifest } from '../../lib/config.ts';
import { DEMO } from '../../demo/data.ts';
import { ROOT } from '../../lib/paths.ts';
import { co2trust } from '../../upstreams/co2trust.ts';
import { icr } from '../../upstreams/icr.ts';

export const registry = {
  name: 'registry' as const,
  port: 4003,
  upstreams: [icr, co2trust],
  variables: z.object({
    ...icr.variables.shape,
    ...co2trust.variables.shape,
    /** Registry organization holding the marketplace's offset inventory, which offset orders retire from. */
    REGISTRY_OFFSET_ORGANIZATION_ID: z.string().min(1).default(DEMO.organizations.marketplaceOffsets),
  }),
  ownsNode: true,
  database: {
    entities: async () => (await import('./local/entities.ts')).entities,
    migrations: join(ROOT, 'subgraphs/registry/local/migrations'),
  },
} satisfies SubgraphManifest;

/** What the registry app reads: the shared configuration and its own slice. */
export type RegistryConfig = Config & z.output<typeof registry.variables>;
