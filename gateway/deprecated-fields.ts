// Use of deprecated schema elements, per client, in /metrics: an operator sees when a deprecated
// field is no longer used and may be removed (docs/schema.md). What an operation
// uses is worked out once per document and operation (documents are cached objects), so a request
// costs a map lookup, plus one counter increment per deprecated element it uses.
import {
  getNamedType,
  isEnumType,
  isInputObjectType,
  Kind,
  TypeInfo,
  visit,
  visitWithTypeInfo,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';
import { Counter, type Registry } from 'prom-client';
import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';
import { NO_CLIENT } from './client-identity.ts';

/**
 * The deprecated elements an operation uses, by schema coordinate in the form the schema check and
 * the CHANGELOG use: `Type.field`, `Type.field.argument`, `Input.field`, `Enum.VALUE` (as a literal).
 */
export function deprecatedUses(schema: GraphQLSchema, document: DocumentNode, operationName?: string | null): string[] {
  const operation = document.definitions.find(
    (d): d is OperationDefinitionNode =>
      d.kind === Kind.OPERATION_DEFINITION && (!operationName || d.name?.value === operationName),
  );
  if (!operation) return [];
  const fragments = new Map(
    document.definitions
      .filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION)
      .map((d) => [d.name.value, d]),
  );
  const used = new Set<string>();
  const typeInfo = new TypeInfo(schema);
  const visited = new Set<string>();
  const pending: (OperationDefinitionNode | FragmentDefinitionNode)[] = [operation];
  for (let node = pending.pop(); node; node = pending.pop()) {
    visit(
      node,
      visitWithTypeInfo(typeInfo, {
        Field() {
          const field = typeInfo.getFieldDef();
          if (field?.deprecationReason != null) used.add(`${typeInfo.getParentType()!.name}.${field.name}`);
        },
        Argument() {
          const argument = typeInfo.getArgument();
          const field = typeInfo.getFieldDef();
          if (argument?.deprecationReason != null && field)
            used.add(`${typeInfo.getParentType()!.name}.${field.name}.${argument.name}`);
        },
        ObjectField(objectField) {
          const parent = typeInfo.getParentInputType();
          const input = parent ? getNamedType(parent) : null;
          if (isInputObjectType(input) && input.getFields()[objectField.name.value]?.deprecationReason != null)
            used.add(`${input.name}.${objectField.name.value}`);
        },
        EnumValue(value) {
          const type = typeInfo.getInputType();
          const named = type ? getNamedType(type) : null;
          if (named && isEnumType(named) && named.getValue(value.value)?.deprecationReason != null)
            used.add(`${named.name}.${value.value}`);
        },
        FragmentSpread(spread) {
          const fragment = fragments.get(spread.name.value);
          if (fragment && !visited.has(fragment.name.value)) {
            visited.add(fragment.name.value);
            pending.push(fragment);
          }
        },
      }),
    );
  }
  return [...used];
}

/** Counts, per client label, each deprecated element an executed operation uses (`find`: how they are found). */
export function deprecatedFieldUsage(
  registry: Registry,
  clientOf: (request: Request) => { label: string },
  find = deprecatedUses,
): GatewayPlugin {
  const counter = new Counter({
    name: 'graphql_deprecated_field_usage_total',
    help: 'Operations the gateway executed that use a deprecated field, argument, input field or enum value, by client and schema coordinate',
    labelNames: ['client', 'coordinate'] as const,
    registers: [registry],
  });
  const known = new WeakMap<DocumentNode, Map<string, string[]>>();
  return {
    onExecute({ args }) {
      let byOperation = known.get(args.document);
      if (!byOperation) known.set(args.document, (byOperation = new Map()));
      const key = args.operationName ?? '';
      let uses = byOperation.get(key);
      if (!uses) byOperation.set(key, (uses = find(args.schema, args.document, args.operationName)));
      if (uses.length === 0) return;
      const request = (args.contextValue as { request?: Request }).request;
      const client = request ? clientOf(request).label : NO_CLIENT;
      for (const coordinate of uses) counter.inc({ client, coordinate });
    },
  };
}
