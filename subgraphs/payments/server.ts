// Builds and serves the payments subgraph in local or upstream mode.
import { openDatabase, type QueryCounter } from '../../lib/db.ts';
import { createLogger } from '../../lib/logger.ts';
import { upstreamHealth, withDatabase } from '../../lib/upstream-health.ts';
import { WriteJournal } from '../../lib/write-journal.ts';
import { databaseHealth, runSubgraphProcess, type RequestContext, type SubgraphApp } from '../../lib/subgraph.ts';
import type { Context } from './context.ts';
import { createLoaders } from './loaders.ts';
import { entities } from './local/entities.ts';
import { seedPayments } from './local/seed.ts';
import { LocalPaymentsSource } from './local/source.ts';
import { resolvers } from './resolvers/index.ts';
import { policy } from './policy.ts';
import { callerScope } from '../../lib/access.ts';
import type { PaymentsSource } from './source.ts';
import { createPaymentsClient } from './upstream/client.ts';
import { UpstreamPaymentsSource } from './upstream/source.ts';
import { pubSubOf } from '../../lib/pubsub.ts';
import { MANIFESTS, schemas } from '../index.ts';
import { payments, type PaymentsConfig } from './manifest.ts';
import { upstreamWatcherOf } from '../../lib/upstream-watch.ts';

export const MIGRATIONS = payments.database.migrations;

export interface PaymentsApp extends SubgraphApp<Context> {
  /** SQL statement counter of the local database (null upstream): proves batching in tests. */
  queries: QueryCounter | null;
}

export async function createPaymentsApp(config: PaymentsConfig): Promise<PaymentsApp> {
  const log = createLogger('payments', config.LOG_LEVEL);
  let sourceFor: (base: RequestContext) => PaymentsSource;
  let health: SubgraphApp<Context>['health'];
  let close: () => Promise<void>;
  let queries: QueryCounter | null = null;

  if (config.sourceOf('payments') === 'local') {
    const db = await openDatabase(config, { name: 'payments', entities, migrationsPath: MIGRATIONS });
    if (config.SEED_DEMO_DATA && (await seedPayments(db.fork()))) log.info('seeded demo data');
    sourceFor = (base) => new LocalPaymentsSource(db, callerScope(policy, base.auth));
    health = databaseHealth(db);
    close = () => db.close();
    queries = db.queries;
  } else {
    const client = createPaymentsClient(config, log);
    // Upstream mode keeps its own records in the same database: the write journal of the writes it
    // sends, and the payments services record (the document has no route for them).
    const db = await openDatabase(config, { name: 'payments', entities, migrationsPath: MIGRATIONS });
    const journal = new WriteJournal(() => db.fork(), { logger: log, settleMs: config.UPSTREAM_TIMEOUT_MS * 4 });
    sourceFor = (base) =>
      new UpstreamPaymentsSource(client, callerScope(policy, base.auth), config.CO2TRUST_BACKEND_SECRET_KEY, log, {
        db,
        journal,
        extensions: base.extensions,
      });
    // CO2Trust's documented GET /health (CO2Trust API document, "Health Check").
    health = withDatabase(
      databaseHealth(db),
      upstreamHealth(
        [{ name: 'co2trust', client, request: { path: '/health' }, contractPathPrefix: '/co2trust-payments/' }],
        config,
      ),
    );
    close = async () => {
      await client.close();
      await db.close();
    };
  }

  // Live updates: payments recorded are published where they happen (resolvers/live.ts).
  const live = pubSubOf(config, log);
  // Upstream mode: payments changed at CO2Trust itself are watched while someone follows them.
  const upstreamWatch = upstreamWatcherOf(config.sourceOf('payments') === 'upstream', live, config, log);
  const context = (base: RequestContext): Context => {
    const source = sourceFor(base);
    return { ...base, source, loaders: createLoaders(source), live, upstreamWatch, renew: () => context(base) };
  };
  return {
    name: 'payments',
    schemas,
    resolvers,
    policy,
    context,
    health,
    metrics: upstreamWatch ? (registry) => upstreamWatch.register(registry) : undefined,
    close: async () => {
      upstreamWatch?.close();
      await close();
      await live.close();
    },
    queries,
  };
}

if (import.meta.main) await runSubgraphProcess(payments, MANIFESTS, createPaymentsApp);
