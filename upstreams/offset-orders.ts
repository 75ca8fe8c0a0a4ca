// The offset-orders API (Lune's carbon-offset orders), which the marketplace's offset orders are
// placed with in upstream mode.
import { z } from 'zod';
import { variable, type UpstreamManifest } from '../lib/config.ts';

export const offsetOrders = {
  name: 'offset-orders',
  names: ['Lune', 'offset orders'],
  variables: z.object({
    OFFSET_ORDERS_BASE_URL: variable.url.default('http://127.0.0.1:5102'),
    OFFSET_ORDERS_API_KEY: z.string().optional(),
    /** Currency of the offset-orders (Lune) account: Lune prices every quote and order in it. */
    OFFSET_ORDERS_ACCOUNT_CURRENCY: z
      .string()
      .regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as EUR')
      .default('EUR'),
    /** Lune client account to act for (sent as the Lune-Account header); unset: the API key's own account. */
    OFFSET_ORDERS_ACCOUNT_ID: z.string().min(1).optional(),
  }),
} satisfies UpstreamManifest;

export type OffsetOrdersConfig = z.output<typeof offsetOrders.variables>;
