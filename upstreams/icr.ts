// The ICR (International Carbon Registry) organization inventory API, the registry's upstream.
import { z } from 'zod';
import { variable, type UpstreamManifest } from '../lib/config.ts';

export const icr = {
  name: 'icr',
  names: ['ICR'],
  variables: z.object({
    ICR_BASE_URL: variable.url.default('http://127.0.0.1:5103'),
    ICR_API_VERSION: z.string().default('2023-06-16'),
    ICR_API_TOKEN: z.string().optional(),
  }),
} satisfies UpstreamManifest;

export type IcrConfig = z.output<typeof icr.variables>;
