// Literals of the API's own scalars (`CurrencyCode`, `CountryCode`, `Decimal`, `Date`, `DateTime`)
// are checked at the gateway, as the subgraphs would parse them: the supergraph the planner runs
// knows these scalars by name only, so `currency: EUR` (an enum literal where a string is needed)
// used to pass the gateway and fail the whole subgraph fetch. Now it is a validation error (400,
// GRAPHQL_VALIDATION_FAILED) naming the argument and the input field.
import {
  GraphQLError,
  TypeInfo,
  getNamedType,
  isScalarType,
  visitWithTypeInfo,
  type ASTVisitor,
  type ValidationContext,
} from 'graphql';
import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';
import { commonResolvers } from '../lib/scalars.ts';

const SCALARS = new Map(
  Object.entries(commonResolvers).flatMap(([name, impl]) =>
    typeof (impl as { parseLiteral?: unknown }).parseLiteral === 'function'
      ? [[name, impl as { parseLiteral(ast: unknown): unknown }]]
      : [],
  ),
);

function scalarLiterals(context: ValidationContext): ASTVisitor {
  const typeInfo = new TypeInfo(context.getSchema());
  const where: string[] = [];
  return visitWithTypeInfo(typeInfo, {
    Argument: { enter: (node) => void where.push(node.name.value), leave: () => void where.pop() },
    ObjectField: { enter: (node) => void where.push(node.name.value), leave: () => void where.pop() },
    // Variables are checked where their values are coerced; only literals are read here.
    Variable: () => false,
    enter(node) {
      if (
        node.kind !== 'StringValue' &&
        node.kind !== 'EnumValue' &&
        node.kind !== 'IntValue' &&
        node.kind !== 'FloatValue' &&
        node.kind !== 'BooleanValue'
      )
        return;
      const type = typeInfo.getInputType();
      const named = type && getNamedType(type);
      const scalar = named && isScalarType(named) ? SCALARS.get(named.name) : undefined;
      if (!scalar || !named) return;
      try {
        scalar.parseLiteral(node);
      } catch (error) {
        const reason = error instanceof Error ? error.message : 'invalid value';
        const kind =
          node.kind === 'EnumValue'
            ? `the unquoted ${node.value} (write it as a string: "${node.value}")`
            : 'this value';
        context.reportError(
          new GraphQLError(`"${where.join('.')}" takes a ${named.name}, not ${kind}: ${reason}`, {
            nodes: [node],
            extensions: { code: 'GRAPHQL_VALIDATION_FAILED', argument: where.join('.') },
          }),
        );
      }
    },
  });
}

export const checkScalarLiterals: GatewayPlugin = {
  onValidate({ addValidationRule }) {
    addValidationRule(scalarLiterals);
  },
};
