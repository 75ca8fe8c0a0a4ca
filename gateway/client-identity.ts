// Client identity: a request may name its client (`graphql-client-name` and
// `graphql-client-version`, or Apollo's `apollographql-client-name`/`-version`). The name and
// version go into the request's log lines and its trace; metrics carry the name as a label, where a
// name that is not configured collapses to `other` (and no name to `none`), so no caller can grow
// the number of series.
import { trace } from '@opentelemetry/api';
import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';
import { requestLogFields } from '../lib/logger.ts';

export const CLIENT_NAME_HEADERS = ['graphql-client-name', 'apollographql-client-name'] as const;
export const CLIENT_VERSION_HEADERS = ['graphql-client-version', 'apollographql-client-version'] as const;

/** The metric label of a request whose client is not configured, and of one that names none. */
export const OTHER_CLIENT = 'other';
export const NO_CLIENT = 'none';

export interface ClientIdentity {
  /** As the request named it (at most 64 characters of letters, digits and `._@/:+-`), or null. */
  name: string | null;
  version: string | null;
  /** The metric label: a configured name, `other` or `none`. */
  label: string;
}

/** A header value fit for a log line: printable, short. */
function cleaned(value: string | null): string | null {
  const text = value?.trim().slice(0, 64);
  return text && /^[\w.@/:+-]+$/.test(text) ? text : null;
}

const firstOf = (request: Request, headers: readonly string[]) => {
  for (const header of headers) {
    const value = request.headers.get(header);
    if (value !== null) return value;
  }
  return null;
};

/** The configured client names: `GATEWAY_CLIENT_NAMES` (comma-separated) and any more the caller adds. */
export const clientNames = (list: string | undefined, more: Iterable<string> = []) =>
  new Set([
    ...(list ?? '')
      .split(',')
      .map((n) => n.trim())
      .filter(Boolean),
    ...more,
  ]);

/** Who a request says it is, and the plugin that puts it in the request's logs and trace. */
export function clientIdentities(known: ReadonlySet<string>) {
  const identities = new WeakMap<Request, ClientIdentity>();
  function of(request: Request): ClientIdentity {
    let identity = identities.get(request);
    if (!identity) {
      const raw = firstOf(request, CLIENT_NAME_HEADERS);
      const name = cleaned(raw);
      identity = {
        name,
        version: cleaned(firstOf(request, CLIENT_VERSION_HEADERS)),
        label: raw === null ? NO_CLIENT : name && known.has(name) ? name : OTHER_CLIENT,
      };
      identities.set(request, identity);
    }
    return identity;
  }
  const plugin: GatewayPlugin = {
    instrumentation: {
      // Around the whole request, so every line logged while it is handled names the client.
      request({ request }, wrapped) {
        const { name, version } = of(request);
        return name
          ? requestLogFields.run(version ? { clientName: name, clientVersion: version } : { clientName: name }, wrapped)
          : wrapped();
      },
    },
    onRequest({ request }) {
      const { name, version } = of(request);
      // The request's span when tracing is on (the tracing plugin makes it active); nothing otherwise.
      if (name)
        trace
          .getActiveSpan()
          ?.setAttributes({ 'graphql.client.name': name, ...(version ? { 'graphql.client.version': version } : {}) });
    },
  };
  return { of, plugin };
}
