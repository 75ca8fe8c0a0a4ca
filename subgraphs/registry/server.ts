// Builds and serves the registry subgraph in local or upstream mode.
import { openDatabase, type Database } from '../../lib/db.ts';
import { createLogger } from '../../lib/logger.ts';
import { upstreamHealth, withDatabase } from '../../lib/upstream-health.ts';
import { databaseHealth, runSubgraphProcess, type RequestContext, type SubgraphApp } from '../../lib/subgraph.ts';
import type { Context } from './context.ts';
import { createLoaders } from './loaders.ts';
import { entities } from './local/entities.ts';
import { seedRegistry } from './local/seed.ts';
import { LocalRegistrySource } from './local/source.ts';
import { resolvers } from './resolvers/index.ts';
import type { RegistrySource } from './source.ts';
import { ICR_ROUTES, createIcrClient, createPuroClient } from './upstream/client.ts';
import { UpstreamRegistrySource } from './upstream/source.ts';
import { IcrApi } from './upstream/icr.ts';
import { pubSubOf } from '../../lib/pubsub.ts';
import type { Config } from '../../lib/config.ts';
import { MANIFESTS, schemas } from '../index.ts';
import { registry, type RegistryConfig } from './manifest.ts';
import { upstreamWatcherOf } from '../../lib/upstream-watch.ts';
import { OrganizationAccess } from './access.ts';
import { policy } from './policy.ts';
import { seedUpstreamRecords } from './journal/seed.ts';
import { WriteJournal, type JournalTiming } from './journal/writes.ts';

export const MIGRATIONS = registry.database.migrations;

/**
 * How long a twin waits for the first request with its key (every attempt of the first one),
 * and how long a lost write must stay without a trace in the ICR before it counts as never
 * applied (ten timeouts: long after any attempt could still arrive).
 */
export function journalTiming(config: Pick<Config, 'UPSTREAM_TIMEOUT_MS' | 'UPSTREAM_RETRIES'>): JournalTiming {
  return {
    waitMs: config.UPSTREAM_TIMEOUT_MS * (config.UPSTREAM_RETRIES + 2),
    graceMs: config.UPSTREAM_TIMEOUT_MS * 10,
    skewMs: 60_000,
  };
}

/** The registry app; `database` is its own (tests count its statements). */
export async function createRegistryApp(
  config: RegistryConfig,
): Promise<SubgraphApp<Context> & { database: Database }> {
  const log = createLogger('registry', config.LOG_LEVEL);
  let sourceFor: (base: RequestContext, access: OrganizationAccess) => RegistrySource;
  let close: () => Promise<void>;

  // Both modes keep the registry's own database: the ledger (local mode), and in both modes who
  // may act for which organization (upstream mode also keeps its journals of ICR writes there).
  const db = await openDatabase(config, { name: 'registry', entities, migrationsPath: MIGRATIONS });
  const dbHealth = databaseHealth(db);
  let health: SubgraphApp<Context>['health'] = async () => ({
    ...(await dbHealth()),
    source: config.sourceOf('registry'),
  });
  if (config.sourceOf('registry') === 'local') {
    if (config.SEED_DEMO_DATA && (await seedRegistry(db.fork()))) log.info('seeded demo data');
    sourceFor = (_base, access) => new LocalRegistrySource(db, access, config.REGISTRY_OFFSET_ORGANIZATION_ID);
    close = () => db.close();
  } else {
    if (config.SEED_DEMO_DATA && (await seedUpstreamRecords(db.fork())))
      log.info('seeded demo memberships and journal');
    const client = createIcrClient(config, log);
    const icr = new IcrApi(client, log);
    const puro = createPuroClient(config, log);
    const journal = new WriteJournal(() => db.fork(), journalTiming(config));
    sourceFor = (_base, access) =>
      new UpstreamRegistrySource({
        icr,
        puro,
        journal,
        access,
        offsetOrganizationId: config.REGISTRY_OFFSET_ORGANIZATION_ID,
        logger: log,
      });
    // Puro is served by CO2Trust: its documented GET /health (CO2Trust API document, "Health Check"). The ICR documents
    // no health route: its cheapest documented read, the offset organization's inventory (ICR API document, "Get organization inventory").
    const upstreams = upstreamHealth(
      [
        { name: 'co2trust', client: puro, request: { path: '/health' }, contractPathPrefix: '/puro/' },
        { name: 'icr', client, request: { path: ICR_ROUTES.inventory(config.REGISTRY_OFFSET_ORGANIZATION_ID) } },
      ],
      config,
    );
    health = withDatabase(dbHealth, upstreams);
    close = async () => {
      await Promise.all([client.close(), puro.close()]);
      await db.close();
    };
  }

  // Live updates: credit requests filed and reviewed are published where they happen (resolvers/live.ts).
  const live = pubSubOf(config, log);
  // Upstream mode: credit requests filed or reviewed at the ICR itself are watched while someone follows them.
  const upstreamWatch = upstreamWatcherOf(config.sourceOf('registry') === 'upstream', live, config, log);
  const context = (base: RequestContext): Context => {
    // Who may act for which organization: read once per request, by the sources and the access rules.
    const access = new OrganizationAccess(db.fork(), base.auth.viewer, base.auth.service);
    const source = sourceFor(base, access);
    return {
      ...base,
      source,
      loaders: createLoaders(source),
      memberOf: (organizationId: string) => access.isMember(organizationId),
      live,
      upstreamWatch,
      renew: () => context(base),
    };
  };
  return {
    name: 'registry',
    schemas,
    resolvers,
    // An offset order's id or the marketplace's pooled retirement's: the registry cannot tell which.
    localIdFields: new Set(
      [
        'Retirement',
        'CreditRequest',
        'RetirementFilter',
        'RetirementDataInput',
        'RetireCreditsForOffsetOrderInput',
      ].map((type) => `${type}.offsetOrderId`),
    ),
    policy,
    context,
    health,
    metrics: upstreamWatch ? (registry) => upstreamWatch.register(registry) : undefined,
    close: async () => {
      upstreamWatch?.close();
      await close();
      await live.close();
    },
    database: db,
  };
}

if (import.meta.main) await runSubgraphProcess(registry, MANIFESTS, createRegistryApp);
