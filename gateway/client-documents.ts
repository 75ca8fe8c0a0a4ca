// Trusted documents kept per client: `GATEWAY_TRUSTED_DOCUMENTS` names one manifest for every
// client, or a folder of manifests, `<client name>.json` each (as each frontend's codegen writes
// it). With a folder, a request runs only the documents of the client it names
// (`graphql-client-name`), so each client's manifest is deployed, and retired, on its own.
import { readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { ConfigError, type Config } from '../lib/config.ts';
import type { Logger } from '../lib/logger.ts';
import { isProduction } from './http.ts';
import { loadTrustedDocuments } from './persisted.ts';
import type { ClientIdentity } from './client-identity.ts';

export interface TrustedDocuments {
  /** The documents (hash -> text) a request may run. */
  for(request: Request): Map<string, string>;
  /** The clients that have a manifest of their own (none for a single manifest). */
  clients: string[];
}

const NONE = new Map<string, string>();

export function trustedDocumentsFrom(path: string, clientOf: (request: Request) => ClientIdentity): TrustedDocuments {
  if (!statSync(path).isDirectory()) {
    const documents = loadTrustedDocuments(path);
    return { for: () => documents, clients: [] };
  }
  const byClient = new Map(
    readdirSync(path)
      .filter((file) => file.endsWith('.json'))
      .map((file) => [basename(file, '.json'), loadTrustedDocuments(join(path, file))] as const),
  );
  if (byClient.size === 0) throw new Error(`${path}: no <client name>.json manifest in the trusted-documents folder`);
  return {
    for: (request) => {
      const { name } = clientOf(request);
      return (name && byClient.get(name)) || NONE;
    },
    clients: [...byClient.keys()],
  };
}

type TrustedSettings = Pick<Config, 'NODE_ENV' | 'GATEWAY_TRUSTED_DOCUMENTS' | 'GATEWAY_ALLOW_ARBITRARY_OPERATIONS'>;

const invalid = (variable: string, problem: string) =>
  new ConfigError(`Invalid configuration:\n  ${variable}: ${problem}`);

/**
 * The trusted documents a configuration executes, or undefined for any operation. Production
 * requires a manifest; running any operation there takes GATEWAY_ALLOW_ARBITRARY_OPERATIONS,
 * which is logged when the gateway starts.
 */
export function trustedDocumentsOf(
  config: TrustedSettings,
  log: Pick<Logger, 'warn'>,
  clientOf: (request: Request) => ClientIdentity,
): TrustedDocuments | undefined {
  const path = config.GATEWAY_TRUSTED_DOCUMENTS;
  if (path && config.GATEWAY_ALLOW_ARBITRARY_OPERATIONS)
    throw invalid(
      'GATEWAY_ALLOW_ARBITRARY_OPERATIONS',
      'must not be true while GATEWAY_TRUSTED_DOCUMENTS names a manifest',
    );
  if (path) {
    try {
      return trustedDocumentsFrom(path, clientOf);
    } catch (error) {
      throw invalid('GATEWAY_TRUSTED_DOCUMENTS', error instanceof Error ? error.message : String(error));
    }
  }
  if (config.GATEWAY_ALLOW_ARBITRARY_OPERATIONS) {
    log.warn('GATEWAY_ALLOW_ARBITRARY_OPERATIONS is true: any operation is executed, not only trusted documents');
    return undefined;
  }
  if (isProduction(config)) {
    throw invalid(
      'GATEWAY_TRUSTED_DOCUMENTS',
      'required with NODE_ENV=production (the manifest of the operations clients may run); set GATEWAY_ALLOW_ARBITRARY_OPERATIONS=true to execute any operation instead',
    );
  }
  return undefined;
}
