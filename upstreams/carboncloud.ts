// CarbonCloud's Retailer API (OAuth2 password grant at its token endpoint), the footprints' upstream.
import { z } from 'zod';
import { variable, type UpstreamManifest } from '../lib/config.ts';

export const carbonCloud = {
  name: 'carboncloud',
  names: ['CarbonCloud'],
  variables: z.object({
    CARBONCLOUD_BASE_URL: variable.url.default('http://127.0.0.1:5104'),
    CARBONCLOUD_TOKEN_URL: variable.url.default('http://127.0.0.1:5104/realms/prod/protocol/openid-connect/token'),
    CARBONCLOUD_CLIENT_ID: z.string().default('carboncloud'),
    CARBONCLOUD_USERNAME: z.string().optional(),
    CARBONCLOUD_PASSWORD: z.string().optional(),
  }),
} satisfies UpstreamManifest;

export type CarbonCloudConfig = z.output<typeof carbonCloud.variables>;
