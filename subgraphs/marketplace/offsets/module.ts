// Wires offset orders into the marketplace subgraph: the per-request source and loaders, the
// certificate links and their download route, in local or upstream mode.
import DataLoader from 'dataloader';
import { loader } from '../../../lib/batch.ts';
import type { Config } from '../../../lib/config.ts';
import type { Database } from '../../../lib/db.ts';
import type { Logger } from '../../../lib/logger.ts';
import type { RequestContext } from '../../../lib/subgraph.ts';
import { CERTIFICATE_PATH, CertificateSigner, requestOrigin, type CertificateLink } from './certificate-link.ts';
import { certificateRoute } from './certificate-route.ts';
import { seedOffsetOrders } from './local/seed.ts';
import { LocalOffsetOrderSource, type OffsetRegistryLink } from './local/source.ts';
import { registryRetirementsOf } from './local/registry-retirements.ts';
import type { OffsetOrderSource, OffsetQuoteView, OffsetRequest } from './source.ts';
import { createLuneApi } from './upstream/client.ts';
import { OffsetOrderJournal } from './upstream/journal.ts';
import { UpstreamOffsetOrderSource, type LuneOffsets } from './upstream/source.ts';

export function createOffsetOrderLoaders(source: OffsetOrderSource) {
  return {
    offsetOrder: loader((ids: readonly string[]) => source.offsetOrdersByIds(ids)),
    /** Retirement state of orders (local mode; null elsewhere), batched per request. */
    retirementState: loader((ids: readonly string[]) => (source.retirementStates ? source.retirementStates(ids) : Promise.resolve(ids.map(() => null)))),
    poolRetirement: loader((ids: readonly string[]) => (source.poolRetirementsByIds ? source.poolRetirementsByIds(ids) : Promise.resolve(ids.map(() => null)))),
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
  offsetLoaders: ReturnType<typeof createOffsetOrderLoaders>;
  /** A signed, expiring download link to an order's certificate. */
  offsetCertificateLink(orderId: string): CertificateLink;
}

export interface OffsetOrdersModule {
  context(base: RequestContext): OffsetOrderContext;
  routes: Record<string, ReturnType<typeof certificateRoute>>;
  close(): Promise<void>;
}

function assemble(config: Config, sourceFor: (base: RequestContext) => OffsetOrderSource, close: () => Promise<void>): OffsetOrdersModule {
  const signer = new CertificateSigner(config.jwtSecret);
  return {
    context(base) {
      const offsets = sourceFor(base);
      return {
        offsets,
        offsetLoaders: createOffsetOrderLoaders(offsets),
        offsetCertificateLink: (orderId) => signer.link(requestOrigin(base.headers, config.MARKETPLACE_PUBLIC_URL), orderId),
      };
    },
    routes: { [CERTIFICATE_PATH]: certificateRoute(signer, sourceFor) },
    close,
  };
}

/**
 * Offset orders from the marketplace database (seeding the demo inventory when asked). Placed
 * orders leave their credit retirements in the service outbox (`orderPlaced` delivers them now);
 * certificates read the retirements back from the registry.
 */
export async function localOffsetOrders(config: Config, db: Database, log: Logger, orderPlaced: () => void): Promise<OffsetOrdersModule> {
  if (config.SEED_DEMO_DATA && (await seedOffsetOrders(db.fork()))) log.info('seeded demo offset inventory');
  const registryEndpoint = { url: config.urlOf('registry'), serviceToken: config.serviceToken, timeoutMs: config.UPSTREAM_TIMEOUT_MS };
  const registry: OffsetRegistryLink = {
    orderPlaced,
    async retirementsOf(offsetOrderId, poolRetirementIds) {
      const retirements = await registryRetirementsOf(registryEndpoint, offsetOrderId, poolRetirementIds);
      if (retirements === null) log.warn({ offsetOrderId }, 'registry retirements unavailable for the certificate');
      return retirements;
    },
  };
  return assemble(config, (base) => new LocalOffsetOrderSource(db.fork(), base.auth.viewer, registry, BigInt(config.OFFSET_MINIMUM_ORDER_GRAMS)), async () => {});
}

/**
 * Offset orders through Lune's API (OFFSET_ORDERS_BASE_URL, OFFSET_ORDERS_API_KEY), with the
 * journal of the orders placed through the marketplace in its database.
 */
export function upstreamOffsetOrders(config: Config, db: Database, log: Logger): OffsetOrdersModule {
  const api = createLuneApi(config, log);
  const lune: LuneOffsets = { api, accountCurrency: config.OFFSET_ORDERS_ACCOUNT_CURRENCY, inFlight: new Map(), log };
  return assemble(config, (base) => new UpstreamOffsetOrderSource(lune, new OffsetOrderJournal(db.fork()), base.auth.viewer), () => api.close());
}
