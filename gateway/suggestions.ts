// With introspection off, graphql-js's "Did you mean …?" hints would hand out the schema one name
// at a time (`{ productz }` names `products`): they are cut from every error message, validation
// and variable coercion alike, before the answer is sent.
import { GraphQLError } from 'graphql';
import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';

/** graphql-js's hint at the end of a message: ` Did you mean "a", "b", or "c"?` or `… the enum value "KG"?`. */
const SUGGESTION = / ?Did you mean [^?]*\?$/;

/** The message without its schema hint. */
export const withoutSuggestion = (message: string) => message.replace(SUGGESTION, '');

type AnyError = GraphQLError | { message: string };

function withoutHint(error: AnyError): AnyError {
  if (!SUGGESTION.test(error.message)) return error;
  if (!(error instanceof GraphQLError)) return { ...error, message: withoutSuggestion(error.message) };
  return new GraphQLError(withoutSuggestion(error.message), {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    originalError: error.originalError,
    extensions: error.extensions,
  });
}

/** Removes schema hints from the errors of every answer. */
export const noSchemaSuggestions: GatewayPlugin = {
  onResultProcess({ result, setResult }) {
    if (
      Array.isArray(result) ||
      !result ||
      typeof result !== 'object' ||
      !('errors' in result) ||
      !Array.isArray(result.errors)
    )
      return;
    const errors = result.errors as AnyError[];
    if (errors.some((e) => SUGGESTION.test(e.message)))
      setResult({ ...result, errors: errors.map(withoutHint) } as typeof result);
  },
};
