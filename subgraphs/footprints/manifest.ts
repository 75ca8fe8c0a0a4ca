// The footprints subgraph as the rest of the project knows it: name, default port, variables
// (CarbonCloud's Retailer API in upstream mode), database. Imports no server code.
import { join } from 'node:path';
import type { z } from 'zod';
import type { Config, SubgraphManifest } from '../../lib/config.ts';
import { ROOT } from '../../lib/paths.ts';
import { carbonCloud } from '../../upstreams/carboncloud.ts';

export const footprints = {
  name: 'footprints' as const,
  port: 4004,
  upstreams: [carbonCloud],
  variables: carbonCloud.variables,
  database: {
    entities: async () => (await import('./local/entities.ts')).entities,
    migrations: join(ROOT, 'subgraphs/footprints/local/migrations'),
  },
} satisfies SubgraphManifest;

/** What the footprints app reads: the shared configuration and its own slice. */
export type FootprintsConfig = Config & z.output<typeof footprints.variables>;
