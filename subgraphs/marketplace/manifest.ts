// The marketplace subgraph as the rest of the project knows it: name, default port, variables
// (its service outbox, offset orders, CO2Trust's core services and the offset-orders API in
// upstream mode), database. Imports no server code.
import { join } from 'node:path';
import { z } from 'zod';
import { variable, type Config, type SubgraphManifest } from '../../lib/config.ts';
import { ROOT } from '../../lib/paths.ts';
import { co2trust } from '../../upstreams/co2trust.ts';
import { offsetOrders } from '../../upstreams/offset-orders.ts';

/** The service outbox (outbox/): payment records to payments, credit retirements to the registry. */
export const outboxVariables = z.object({
  /** How often the marketplace retries delivering payment records to payments (first retry delay; backoff doubles). */
  PAYMENT_OUTBOX_INTERVAL_MS: variable.int(10).default(2_000),
  /** Service outbox messages one delivery lane (one per target subgraph) claims at a time. */
  SERVICE_OUTBOX_BATCH_SIZE: z.coerce.number().int().min(1).max(1000).default(200),
  /** Service outbox calls one delivery lane has in flight at most. */
  SERVICE_OUTBOX_CONCURRENCY: z.coerce.number().int().min(1).max(100).default(16),
  /** Service outbox messages one call carries at most when a backlog is drained (1: one per call). */
  SERVICE_OUTBOX_MESSAGES_PER_CALL: z.coerce.number().int().min(1).max(100).default(20),
});

/** Offset orders (offsets/) and the product offset flow. */
export const offsetVariables = z.object({
  /** Smallest local offset order or quote, in grams (default 1 kg); a smaller one is a BELOW_MINIMUM user error. */
  OFFSET_MINIMUM_ORDER_GRAMS: variable.int(1).default(1_000),
  /** How often the marketplace resumes product offsets left between two steps (a crash, an outage); a run untouched this long is resumed. */
  OFFSET_FLOW_RESUME_INTERVAL_MS: variable.int(10).default(5_000),
  /** Public origin of the marketplace (e.g. https://api.example.com) for the offset certificate links it signs; default: the request's host. */
  MARKETPLACE_PUBLIC_URL: variable.url.optional(),
});

export const marketplace = {
  name: 'marketplace' as const,
  port: 4001,
  upstreams: [co2trust, offsetOrders],
  variables: z.object({
    ...outboxVariables.shape,
    ...offsetVariables.shape,
    ...co2trust.variables.shape,
    ...offsetOrders.variables.shape,
  }),
  database: {
    entities: async () => (await import('./entities.ts')).entities,
    migrations: join(ROOT, 'subgraphs/marketplace/local/migrations'),
  },
} satisfies SubgraphManifest;

/** What the marketplace app reads: the shared configuration and its own slice. */
export type MarketplaceConfig = Config & z.output<typeof marketplace.variables>;
export type OutboxConfig = z.output<typeof outboxVariables>;
export type OffsetConfig = z.output<typeof offsetVariables>;
