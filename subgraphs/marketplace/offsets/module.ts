// Wires offset orders into the marketplace subgraph: the per-request source and loaders, the
// certificate links and their download route, in local or upstream mode.
import DataLoader from 'dataloader';
import { loader } from '../../../lib/batch.ts';
import type { Viewer } from '../../../lib/auth.ts';
import type { Config } from '../../../lib/config.ts';
import type { MarketplaceConfig, OffsetConfig } from '../manifest.ts';
import type { Database } from '../../../lib/db.ts';
import type { Logger } from '../../../lib/logger.ts';
import type { RecentViolation } from '../../../lib/upstream-contract.ts';
import type { RequestContext } from '../../../lib/subgraph.ts';
import { CERTIFICATE_PATH, CertificateSigner, requestOrigin, type CertificateLink } from './certificate-link.ts';
import { certificateRoute } from './certificate-route.ts';
import { OFFSET_PRODUCT_STEPS, type OffsetProductStep } from './flow/entities.ts';
import { OffsetProductFlow, startResumer } from './flow/flow.ts';
import { seedOffsetOrders } from './local/seed.ts';
import { LocalOffsetOrderSource, type OffsetRegistryLink } from './local/source.ts';
import { registryRetirementsOf } from './local/registry-retirements.ts';
import type { OffsetOrderSource, OffsetQuoteView, OffsetRequest } from './source.ts';
import { createLuneApi } from './upstream/client.ts';
import { OffsetOrderJournal } from './upstream/journal.ts';
import { LuneAccountCurrency } from './upstream/account.ts';
import { UpstreamOffsetOrderSource, startOutcomeResolver, type LuneOffsets } from './upstream/source.ts';
import type { ServiceOutboxPort } from '../outbox/port.ts';
import { serviceEndpoint } from '../../../lib/service-call.ts';
import { offsetOrderRule } from '../policy.ts';
import type { OffsetOrderChange } from './live.ts';

export function createOffsetOrderLoaders(source: OffsetOrderSource, flow: OffsetProductFlow) {
  return {
    /** The product run that placed each order (null for other orders). */
    productRun: loader((ids: readonly string[]) => flow.runsByOrderIds(ids)),
    offsetOrder: loader((ids: readonly string[]) => source.offsetOrdersByIds(ids)),
    /** Retirement state of orders (local mode; null elsewhere), batched per request. */
    retirementState: loader((ids: readonly string[]) =>
      source.retirementStates ? source.retirementStates(ids) : Promise.resolve(ids.map(() => null)),
    ),
    poolRetirement: loader((ids: readonly string[]) =>
      source.poolRetirementsByIds ? source.poolRetirementsByIds(ids) : Promise.resolve(ids.map(() => null)),
    ),
    /** Quotes of masses (e.g. a list of products' yearly emissions) priced from one read of the inventory. */
    massQuote: new DataLoader<MassRequest, OffsetQuoteView, string>((requests) => source.quotes(requests), {
      cacheKeyFn: (r) => `${r.grams}|${r.currency}`,
    }),
  };
}

type MassRequest = OffsetRequest & { kind: 'MASS' };

/** What offset order resolvers find in the context. */
export interface OffsetOrderContext {
  offsets: OffsetOrderSource;
  /** Offsetting resold products (`offsetResoldProduct`), in both modes. */
  offsetProducts: OffsetProductFlow;
  offsetLoaders: ReturnType<typeof createOffsetOrderLoaders>;
  /** A signed, expiring download link to an order's certificate. */
  offsetCertificateLink(orderId: string): CertificateLink;
}

export interface OffsetOrdersModule {
  context(base: RequestContext): OffsetOrderContext;
  routes: Record<string, ReturnType<typeof certificateRoute>>;
  /** Upstream mode: Lune's account currency when it differs from the configured one (/health is `degraded`). */
  accountMismatch?(): Promise<RecentViolation | null>;
  close(): Promise<void>;
}

/** The test-only failpoint OFFSET_FLOW_CRASH_AFTER (a step name), read once at start. */
function crashAfter(log: Logger): OffsetProductStep | null {
  const step = process.env.OFFSET_FLOW_CRASH_AFTER as OffsetProductStep | undefined;
  if (!step || !OFFSET_PRODUCT_STEPS.includes(step)) return null;
  log.warn({ step }, 'OFFSET_FLOW_CRASH_AFTER is set: the process dies after committing this step (tests only)');
  return step;
}

/** The product offset flow over the offset orders of one buyer, and its background resumer. */
function productFlow(
  config: Pick<Config, 'urlOf' | 'serviceToken' | 'UPSTREAM_TIMEOUT_MS'> &
    Pick<OffsetConfig, 'OFFSET_FLOW_RESUME_INTERVAL_MS'>,
  db: Database,
  log: Logger,
  offsetsFor: (viewer: Viewer) => OffsetOrderSource,
  outbox: ServiceOutboxPort,
  paymentQueued: () => void,
  stepped?: (change: OffsetOrderChange) => void,
) {
  const flow = new OffsetProductFlow({
    db,
    footprints: serviceEndpoint(config, 'footprints'),
    offsetsFor,
    outbox,
    paymentQueued,
    crashAfter: crashAfter(log),
    log,
    stepped: stepped && ((run) => stepped({ ownerId: run.buyerId, orderId: run.orderId })),
  });
  return { flow, resumer: startResumer(flow, config.OFFSET_FLOW_RESUME_INTERVAL_MS, log) };
}

function assemble(
  config: Pick<Config, 'jwtSecret'> & Pick<OffsetConfig, 'MARKETPLACE_PUBLIC_URL'>,
  sourceFor: (base: RequestContext) => OffsetOrderSource,
  flow: OffsetProductFlow,
  close: () => Promise<void>,
): OffsetOrdersModule {
  const signer = new CertificateSigner(config.jwtSecret);
  return {
    context(base) {
      const offsets = sourceFor(base);
      return {
        offsets,
        offsetProducts: flow,
        offsetLoaders: createOffsetOrderLoaders(offsets, flow),
        offsetCertificateLink: (orderId) =>
          signer.link(requestOrigin(base.headers, config.MARKETPLACE_PUBLIC_URL), orderId),
      };
    },
    routes: { [CERTIFICATE_PATH]: certificateRoute(signer, sourceFor, offsetOrderRule) },
    close,
  };
}

/**
 * Offset orders from the marketplace database (seeding the demo inventory when asked). Placed
 * orders leave their credit retirements in the service outbox (`orderPlaced` delivers them now);
 * certificates read the retirements back from the registry.
 */
export async function localOffsetOrders(
  config: MarketplaceConfig,
  db: Database,
  log: Logger,
  outbox: ServiceOutboxPort,
  orderPlaced: (order?: { id: string; ownerId: string }) => void,
  changed?: (change: OffsetOrderChange) => void,
): Promise<OffsetOrdersModule> {
  if (config.SEED_DEMO_DATA && (await seedOffsetOrders(db.fork()))) log.info('seeded demo offset inventory');
  const registryEndpoint = serviceEndpoint(config, 'registry');
  const registry: OffsetRegistryLink = {
    outbox,
    orderPlaced,
    async retirementsOf(offsetOrderId, poolRetirementIds) {
      const retirements = await registryRetirementsOf(registryEndpoint, offsetOrderId, poolRetirementIds);
      if (retirements === null) log.warn({ offsetOrderId }, 'registry retirements unavailable for the certificate');
      return retirements;
    },
  };
  const sourceOf = (viewer: Viewer | null) =>
    new LocalOffsetOrderSource(db, viewer, registry, BigInt(config.OFFSET_MINIMUM_ORDER_GRAMS));
  // A run's payment queued: delivered now (the run's step, published right after, names the order).
  const { flow, resumer } = productFlow(config, db, log, sourceOf, outbox, () => orderPlaced(), changed);
  return assemble(
    config,
    (base) => sourceOf(base.auth.viewer),
    flow,
    () => resumer.stop(),
  );
}

/**
 * Offset orders through Lune's API (OFFSET_ORDERS_BASE_URL, OFFSET_ORDERS_API_KEY), with the
 * journal of the orders placed through the marketplace in its database. The payments of product
 * offsets leave through the service outbox in this mode too.
 */
export function upstreamOffsetOrders(
  config: MarketplaceConfig,
  db: Database,
  log: Logger,
  outbox: ServiceOutboxPort,
  changed?: (change: OffsetOrderChange) => void,
): OffsetOrdersModule {
  const api = createLuneApi(config, log);
  const account = new LuneAccountCurrency(api, config.OFFSET_ORDERS_ACCOUNT_CURRENCY, log, {
    maxAgeMs: config.UPSTREAM_HEALTH_CACHE_MS,
    healthTimeoutMs: config.UPSTREAM_HEALTH_TIMEOUT_MS,
  });
  account.start();
  const lune: LuneOffsets = { api, account, inFlight: new Map(), log };
  const sourceOf = (viewer: Viewer | null) =>
    new UpstreamOffsetOrderSource(lune, new OffsetOrderJournal(db.fork()), viewer);
  // Orders whose answer was lost are settled in the background too, a bounded batch per pass.
  const resolver = startOutcomeResolver(
    lune,
    () => new OffsetOrderJournal(db.fork()),
    config.OFFSET_FLOW_RESUME_INTERVAL_MS,
  );
  const { flow, resumer } = productFlow(config, db, log, sourceOf, outbox, () => outbox.kick(), changed);
  const module = assemble(
    config,
    (base) => sourceOf(base.auth.viewer),
    flow,
    async () => {
      await resolver.stop();
      await resumer.stop();
      await api.close();
    },
  );
  return { ...module, accountMismatch: () => account.health() };
}
