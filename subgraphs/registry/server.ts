// Builds and serves the registry subgraph in local or upstream mode.
import { join } from 'node:path';
import type { Config } from '../../lib/config.ts';
import { openDatabase } from '../../lib/db.ts';
import { createLogger } from '../../lib/logger.ts';
import { upstreamHealth } from '../../lib/upstream-health.ts';
import { ROOT, databaseHealth, runSubgraphProcess, type RequestContext, type SubgraphApp } from '../../lib/subgraph.ts';
import type { Context } from './context.ts';
import { createLoaders } from './loaders.ts';
import { entities } from './local/entities.ts';
import { seedRegistry } from './local/seed.ts';
import { LocalRegistrySource } from './local/source.ts';
import { resolvers } from './resolvers/index.ts';
import type { RegistrySource } from './source.ts';
import { ICR_ROUTES, createIcrClient, createPuroClient } from './upstream/client.ts';
import { UpstreamRegistrySource } from './upstream/source.ts';

export const MIGRATIONS = join(ROOT, 'subgraphs/registry/local/migrations');

export async function createRegistryApp(config: Config): Promise<SubgraphApp<Context>> {
  const log = createLogger('registry', config.LOG_LEVEL);
  let sourceFor: (base: RequestContext) => RegistrySource;
  let health: SubgraphApp<Context>['health'];
  let close: () => Promise<void>;

  if (config.sourceOf('registry') === 'local') {
    const db = await openDatabase(config, { name: 'registry', entities, migrationsPath: MIGRATIONS });
    if (config.SEED_DEMO_DATA && (await seedRegistry(db.fork()))) log.info('seeded demo data');
    sourceFor = (base) => new LocalRegistrySource(db.fork(), base.auth.viewer, config.REGISTRY_OFFSET_ORGANIZATION_ID);
    health = databaseHealth(db);
    close = () => db.close();
  } else {
    const icr = createIcrClient(config, log);
    const puro = createPuroClient(config, log);
    sourceFor = (base) => new UpstreamRegistrySource(icr, puro, base.auth.viewer, config.REGISTRY_OFFSET_ORGANIZATION_ID);
    // Puro is served by CO2Trust: its documented GET /health (seed 000 line 364). The ICR documents
    // no health route: its cheapest documented read, the offset organization's inventory (seed 001 line 26).
    health = upstreamHealth(
      [
        { name: 'co2trust', client: puro, request: { path: '/health' } },
        { name: 'icr', client: icr, request: { path: ICR_ROUTES.inventory(config.REGISTRY_OFFSET_ORGANIZATION_ID) } },
      ],
      config,
    );
    close = async () => {
      await Promise.all([icr.close(), puro.close()]);
    };
  }

  return {
    name: 'registry',
    resolvers,
    context(base) {
      const source = sourceFor(base);
      return { ...base, source, loaders: createLoaders(source) };
    },
    health,
    close,
  };
}

if (import.meta.main) await runSubgraphProcess('registry', createRegistryApp);
