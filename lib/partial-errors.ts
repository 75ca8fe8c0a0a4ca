// Lists that fan out to several upstream calls answer what succeeded: each part that failed is a
// GraphQL error beside the data, with the list field's path and a stable code, instead of a null
// for the whole list. Resolvers report a failed part with `reportPartialFailure`; the plugin adds
// the reports to the response's `errors` once the operation has run.
import type { ApolloServerPlugin } from '@apollo/server';
import type { GraphQLFormattedError, GraphQLResolveInfo } from 'graphql';
import { ErrorCode } from './errors.ts';

type Path = GraphQLResolveInfo['path'];

const reported = new WeakMap<object, GraphQLFormattedError[]>();

function pathOf(path: Path | undefined): (string | number)[] {
  const out: (string | number)[] = [];
  for (let p = path; p; p = p.prev) out.unshift(p.key);
  return out;
}

/**
 * Records that one part of the list at `path` failed: `message` says which (never an upstream's
 * text), `extensions` name it (e.g. `{ upstream: '<name>', organizationId }`); `code` is the failure's.
 */
export function reportPartialFailure(
  context: object,
  path: Path,
  failure: { code: ErrorCode; message: string; extensions?: Record<string, unknown> },
): void {
  const list = reported.get(context) ?? [];
  list.push({
    message: failure.message,
    path: pathOf(path),
    extensions: { ...failure.extensions, code: failure.code, partial: true },
  });
  reported.set(context, list);
}

/** Adds the reported part failures to the response (a list answered in part keeps its data). */
export const partialFailuresPlugin: ApolloServerPlugin = {
  async requestDidStart() {
    return {
      async willSendResponse({ contextValue, response }) {
        const failures = reported.get(contextValue as object);
        if (!failures?.length || response.body.kind !== 'single') return;
        response.body.singleResult.errors = [...(response.body.singleResult.errors ?? []), ...failures];
      },
    };
  },
};
