// CO2Trust: core services (marketplace), payment services (payments) and its Puro.earth
// integration (registry), on one base URL with one backend key.
import { z } from 'zod';
import { variable, type UpstreamManifest } from '../lib/config.ts';

export const co2trust = {
  name: 'co2trust',
  names: ['CO2Trust', 'Puro'],
  variables: z.object({
    CO2TRUST_BASE_URL: variable.url.default('http://127.0.0.1:5101'),
    CO2TRUST_BACKEND_SECRET_KEY: z.string().optional(),
    /** By-id lookups (GET /{resource}/{id}) in flight at once per batch. */
    CO2TRUST_BY_ID_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(8),
  }),
} satisfies UpstreamManifest;

export type Co2TrustConfig = z.output<typeof co2trust.variables>;
