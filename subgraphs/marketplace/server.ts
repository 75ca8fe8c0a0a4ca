// Builds and serves the marketplace subgraph in local or upstream mode.
import { callerScope, type CallerScope } from '../../lib/access.ts';
import { callerOf, safeEqual, signToken } from '../../lib/auth.ts';
import { openDatabase, type Database } from '../../lib/db.ts';
import { createLogger, type Logger } from '../../lib/logger.ts';
import { upstreamHealth, withDatabase } from '../../lib/upstream-health.ts';
import { gaugesOnScrape } from '../../lib/metrics.ts';
import { databaseHealth, runSubgraphProcess, type RequestContext, type SubgraphApp } from '../../lib/subgraph.ts';
import type { Context } from './context.ts';
import { createLoaders } from './loaders.ts';
import { LUNE_ROUTES, createLuneApi } from './offsets/upstream/client.ts';
import { localOffsetOrders, upstreamOffsetOrders, type OffsetOrdersModule } from './offsets/module.ts';
import { entities } from './entities.ts';
import { seedMarketplace } from './local/seed.ts';
import { ServiceOutboxDispatcher, outboxBacklog, serviceOutboxOf } from './outbox/service-outbox.ts';
import { LocalMarketplaceSource } from './local/source.ts';
import { resolvers } from './resolvers/index.ts';
import { policy } from './policy.ts';
import type { MarketplaceSource } from './source.ts';
import { createCo2TrustClient } from './upstream/client.ts';
import { UpstreamMarketplaceSource } from './upstream/source.ts';
import { WriteJournal } from '../../lib/write-journal.ts';
import { pubSubOf } from '../../lib/pubsub.ts';
import { upstreamWatcherOf } from '../../lib/upstream-watch.ts';
import {
  NAMED_ORDERS,
  OFFSET_ORDERS_TOPIC,
  offsetOrderMessage,
  outboxChange,
  type OffsetOrderChange,
} from './offsets/live.ts';
import { ordersOfPoolRetirement } from './offsets/local/retirement-pool.ts';
import { MANIFESTS, schemas } from '../index.ts';
import { marketplace, type MarketplaceConfig } from './manifest.ts';

export const MIGRATIONS = marketplace.database.migrations;

/** The app, plus its database and service outbox in local mode (tests count SQL statements and drive deliveries). */
export type MarketplaceApp = SubgraphApp<Context> & { database?: Database; outbox?: ServiceOutboxDispatcher };

/** `log` defaults to the process logger; tests pass one to read the alerts it writes. */
export async function createMarketplaceApp(
  config: MarketplaceConfig,
  log: Logger = createLogger('marketplace', config.LOG_LEVEL),
): Promise<MarketplaceApp> {
  let sourceFor: (base: RequestContext, access: CallerScope) => MarketplaceSource;
  let health: SubgraphApp<Context>['health'];
  let close: () => Promise<void>;
  let database: Database | undefined;
  let outbox: ServiceOutboxDispatcher | undefined;
  let offsets: OffsetOrdersModule;

  // Live updates: what changes offset orders is published where it happens (offsets/live.ts).
  const live = pubSubOf(config, log);
  const changed = (change: OffsetOrderChange = {}) => live.publish(OFFSET_ORDERS_TOPIC, offsetOrderMessage(change));
  const outboxChanged = (mutation: string, payload: string) => changed(outboxChange(mutation, payload));
  // Upstream mode: offset orders changed at Lune itself are watched while someone follows them.
  const upstreamWatch = upstreamWatcherOf(config.sourceOf('marketplace') === 'upstream', live, config, log);
  // Upstream mode keeps its own records (the offset order journal) in the same database.
  const db = await openDatabase(config, { name: 'marketplace', entities, migrationsPath: MIGRATIONS });
  if (config.sourceOf('marketplace') === 'local') {
    if (config.SEED_DEMO_DATA && (await seedMarketplace(db.fork()))) log.info('seeded demo data');
    database = db;
    // Payment records (to payments) and credit retirements (to the registry) leave through one outbox.
    // A pooled retirement delivered names the orders its tonnes hold (a payment record, its own).
    const localOutboxChanged = (mutation: string, payload: string) => {
      if (mutation !== 'retireCreditsForOffsetOrder') return outboxChanged(mutation, payload);
      const { offsetOrderId } = JSON.parse(payload) as { offsetOrderId: string };
      ordersOfPoolRetirement(db.fork(), offsetOrderId, NAMED_ORDERS).then(
        (orders) => changed(orders ? { orders } : {}),
        () => changed(),
      );
    };
    const dispatcher = serviceOutboxOf(config, db, log, localOutboxChanged);
    outbox = dispatcher;
    offsets = await localOffsetOrders(
      config,
      db,
      log,
      dispatcher,
      (order) => {
        dispatcher.kick();
        if (order) changed({ ownerId: order.ownerId, orderId: order.id });
      },
      changed,
    );
    dispatcher.start();
    sourceFor = (_base, access) => new LocalMarketplaceSource(db, access, () => dispatcher.kick());
    health = databaseHealth(db);
    close = async () => {
      await offsets.close();
      await dispatcher.stop();
      await db.close();
    };
  } else {
    const client = createCo2TrustClient(config, log);
    database = db;
    // The payments of product offsets leave through the service outbox in upstream mode too.
    const dispatcher = serviceOutboxOf(config, db, log, outboxChanged);
    dispatcher.start();
    offsets = upstreamOffsetOrders(config, db, log, dispatcher, changed);
    // Every CO2Trust write goes through the write journal (lib/write-journal.ts) in the same database.
    const journal = new WriteJournal(() => db.fork(), { logger: log, settleMs: config.UPSTREAM_TIMEOUT_MS * 4 });
    sourceFor = (base, access) =>
      new UpstreamMarketplaceSource(
        client,
        access,
        config.CO2TRUST_BACKEND_SECRET_KEY,
        config.CO2TRUST_BY_ID_CONCURRENCY,
        log,
        { journal, extensions: base.extensions },
      );
    // CO2Trust's documented GET /health (CO2Trust API document, "Health Check"); the offset-orders API has none, so its
    // cheapest documented read, GET /orders (the offset-orders API document, "Get orders"), with the smallest page.
    const offsetOrdersHealth = createLuneApi(config, log);
    const upstreams = upstreamHealth(
      [
        { name: 'co2trust', client, request: { path: '/health' }, contractPathPrefix: '/co2trust-services/' },
        {
          name: 'offset-orders',
          client: offsetOrdersHealth.http,
          request: { path: LUNE_ROUTES.orders, query: { limit: '1' } },
        },
      ],
      config,
    );
    const dbHealth = databaseHealth(db);
    const combined = withDatabase(dbHealth, upstreams);
    // Lune's account in another currency than configured: `degraded`, naming route and field.
    health = async () => {
      const [report, mismatch] = await Promise.all([combined(), offsets.accountMismatch?.() ?? null]);
      return mismatch ? { ...report, contract: [...(report.contract ?? []), mismatch] } : report;
    };
    close = async () => {
      await client.close();
      await offsetOrdersHealth.close();
      await offsets.close();
      await dispatcher.stop();
      await db.close();
    };
  }

  const context = (base: RequestContext): Context => {
    const access = callerScope(policy, base.auth);
    const source = sourceFor(base, access);
    const key = base.headers['x-backend-secret-key'];
    return {
      ...base,
      ...offsets.context(base),
      source,
      access,
      loaders: createLoaders(source),
      live,
      upstreamWatch,
      renew: () => context(base),
      backendKeyValid: typeof key === 'string' && safeEqual(key, config.backendSecretKey),
      issueToken: (user) => signToken(user, config.jwtSecret, config.JWT_TTL_SECONDS),
      signedIn: (token) => callerOf(token, config.jwtSecret),
    };
  };

  return {
    name: 'marketplace',
    schemas,
    database,
    outbox,
    resolvers,
    policy,
    context,
    health,
    routes: offsets.routes,
    // The service outbox's backlog, read with one SQL statement per scrape (local mode only).
    metrics: (registry) => {
      if (database)
        gaugesOnScrape(registry, OUTBOX_GAUGES, async () => {
          const backlog = await outboxBacklog(database);
          return { service_outbox_depth: backlog.depth, service_outbox_oldest_age_seconds: backlog.oldestAgeSeconds };
        });
      upstreamWatch?.register(registry);
    },
    close: async () => {
      upstreamWatch?.close();
      await close();
      await live.close();
    },
  };
}

const OUTBOX_GAUGES = {
  service_outbox_depth: 'Service calls (payment records, credit retirements) waiting for delivery',
  service_outbox_oldest_age_seconds: 'Age of the oldest service call waiting for delivery (0 when none waits)',
};

if (import.meta.main) await runSubgraphProcess(marketplace, MANIFESTS, createMarketplaceApp);
