// Builds and serves the marketplace subgraph in local or upstream mode.
import { join } from 'node:path';
import { safeEqual, signToken } from '../../lib/auth.ts';
import type { Config } from '../../lib/config.ts';
import { openDatabase } from '../../lib/db.ts';
import { createLogger } from '../../lib/logger.ts';
import { ROOT, databaseHealth, runSubgraphProcess, type RequestContext, type SubgraphApp } from '../../lib/subgraph.ts';
import type { Context } from './context.ts';
import { createLoaders } from './loaders.ts';
import { entities } from './local/entities.ts';
import { seedMarketplace } from './local/seed.ts';
import { LocalMarketplaceSource } from './local/source.ts';
import { resolvers } from './resolvers/index.ts';
import type { MarketplaceSource } from './source.ts';
import { createCo2TrustClient } from './upstream/client.ts';
import { UpstreamMarketplaceSource } from './upstream/source.ts';

export const MIGRATIONS = join(ROOT, 'subgraphs/marketplace/local/migrations');

export async function createMarketplaceApp(config: Config): Promise<SubgraphApp<Context>> {
  const log = createLogger('marketplace', config.LOG_LEVEL);
  let sourceFor: (base: RequestContext) => MarketplaceSource;
  let health: SubgraphApp<Context>['health'];
  let close: () => Promise<void>;

  if (config.sourceOf('marketplace') === 'local') {
    const db = await openDatabase(config, { name: 'marketplace', entities, migrationsPath: MIGRATIONS });
    if (config.SEED_DEMO_DATA && (await seedMarketplace(db.fork()))) log.info('seeded demo data');
    sourceFor = (base) => new LocalMarketplaceSource(db.fork(), base.auth.viewer);
    health = databaseHealth(db);
    close = () => db.close();
  } else {
    const client = createCo2TrustClient(config, log);
    sourceFor = (base) => new UpstreamMarketplaceSource(client, base.auth.viewer, config.CO2TRUST_BACKEND_SECRET_KEY);
    health = async () => ({ up: true, source: 'upstream' });
    close = () => client.close();
  }

  return {
    name: 'marketplace',
    resolvers,
    context(base) {
      const source = sourceFor(base);
      const key = base.headers['x-backend-secret-key'];
      return {
        ...base,
        source,
        loaders: createLoaders(source),
        backendKeyValid: typeof key === 'string' && safeEqual(key, config.backendSecretKey),
        issueToken: (user) => signToken(user, config.jwtSecret, config.JWT_TTL_SECONDS),
      };
    },
    health,
    close,
  };
}

if (import.meta.main) await runSubgraphProcess('marketplace', createMarketplaceApp);
