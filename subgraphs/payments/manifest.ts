// The payments subgraph as the rest of the project knows it: name, default port, variables
// (CO2Trust's payment services in upstream mode), database. Imports no server code.
import { join } from 'node:path';
import type { z } from 'zod';
import type { Config, SubgraphManifest } from '../../lib/config.ts';
import { ROOT } from '../../lib/paths.ts';
import { co2trust } from '../../upstreams/co2trust.ts';

export const payments = {
  name: 'payments' as const,
  port: 4002,
  upstreams: [co2trust],
  variables: co2trust.variables,
  database: {
    entities: async () => (await import('./local/entities.ts')).entities,
    migrations: join(ROOT, 'subgraphs/payments/local/migrations'),
  },
} satisfies SubgraphManifest;

/** What the payments app reads: the shared configuration and its own slice. */
export type PaymentsConfig = Config & z.output<typeof payments.variables>;
