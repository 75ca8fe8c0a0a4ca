// Trusted documents kept per client: `GATEWAY_TRUSTED_DOCUMENTS` names one manifest for every
// client, or a folder of manifests, `<client name>.json` each (as each frontend's codegen writes
// it). With a folder, a request runs only the documents of the client it names
// (`graphql-client-name`), so each client's manifest is deployed, and retired, on its own.
import { readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
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
