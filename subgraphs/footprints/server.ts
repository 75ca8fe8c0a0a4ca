// Builds and serves the footprints subgraph in local or upstream mode.
import { ConfigError } from '../../lib/config.ts';
import { openDatabase, type Database } from '../../lib/db.ts';
import { createLogger } from '../../lib/logger.ts';
import { upstreamHealth } from '../../lib/upstream-health.ts';
import { databaseHealth, runSubgraphProcess, type SubgraphApp } from '../../lib/subgraph.ts';
import type { Context } from './context.ts';
import { createLoaders } from './loaders.ts';
import { entities } from './local/entities.ts';
import { seedFootprints } from './local/seed.ts';
import { LocalFootprintsSource } from './local/source.ts';
import { resolvers } from './resolvers/index.ts';
import { policy } from './policy.ts';
import type { FootprintsSource } from './source.ts';
import { CARBONCLOUD_ROUTES, createCarbonCloudClients } from './upstream/client.ts';
import { UpstreamFootprintsSource } from './upstream/source.ts';
import { MANIFESTS, schemas } from '../index.ts';
import { footprints, type FootprintsConfig } from './manifest.ts';

export const MIGRATIONS = footprints.database.migrations;

export interface FootprintsApp extends SubgraphApp<Context> {
  /** The database in local mode (tests count its statements and read the invitation outbox). */
  database: Database | null;
  /** The local source in local mode. */
  local: LocalFootprintsSource | null;
}

export async function createFootprintsApp(config: FootprintsConfig): Promise<FootprintsApp> {
  const log = createLogger('footprints', config.LOG_LEVEL);

  if (config.sourceOf('footprints') === 'local') {
    const db = await openDatabase(config, { name: 'footprints', entities, migrationsPath: MIGRATIONS });
    if (config.SEED_DEMO_DATA && (await seedFootprints(db.fork()))) log.info('seeded demo data');
    // Sources are stateless over the database: one serves every request.
    const source = new LocalFootprintsSource(db);
    return app(source, { database: db, local: source, health: databaseHealth(db), close: () => db.close() });
  }

  if (!config.CARBONCLOUD_USERNAME || !config.CARBONCLOUD_PASSWORD) {
    throw new ConfigError(
      'Invalid configuration:\n  CARBONCLOUD_USERNAME and CARBONCLOUD_PASSWORD are required when FOOTPRINTS_SOURCE=upstream',
    );
  }
  const clients = createCarbonCloudClients(config, log);
  return app(new UpstreamFootprintsSource(clients.api, log), {
    database: null,
    local: null,
    // CarbonCloud documents no health route: its cheapest documented read, the groups list (CarbonCloud Retailer API document, "List available groups").
    health: upstreamHealth(
      [{ name: 'carboncloud', client: clients.api, request: { path: CARBONCLOUD_ROUTES.groups } }],
      config,
    ),
    close: async () => {
      await clients.api.close();
      await clients.auth.close();
    },
  });
}

function app(
  source: FootprintsSource,
  parts: Pick<FootprintsApp, 'database' | 'local' | 'health' | 'close'>,
): FootprintsApp {
  return {
    name: 'footprints',
    schemas,
    resolvers,
    policy,
    context: (base) => ({ ...base, source, loaders: createLoaders(source) }),
    ...parts,
  };
}

if (import.meta.main) await runSubgraphProcess(footprints, MANIFESTS, createFootprintsApp);
