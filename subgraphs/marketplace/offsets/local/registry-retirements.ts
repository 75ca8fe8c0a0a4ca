// Reads the registry's retirements of an offset order and of its pooled retirements (the
// `OffsetOrder.retirements` and `OffsetPoolRetirement.retirements` fields the registry contributes) over HTTP, for the certificate. The registry is another subgraph with its
// own database, so this is a service call, never a read of its tables.
import { convertMass, type MassUnit } from '../../../../lib/decimal.ts';
import type { OffsetRetirementRecord } from '../source.ts';
import type { RegistryRetirements } from './source.ts';
import { AS_SERVICE, callService, type ServiceEndpoint } from '../../../../lib/service-call.ts';

const FIELDS = 'retirements { registry serialization amount { amount unit } beneficiaryName retiredAt }';
const RETIREMENTS = `query OffsetOrderRetirements($representations: [_Any!]!) {
  _entities(representations: $representations) {
    ... on OffsetOrder { ${FIELDS} }
    ... on OffsetPoolRetirement { ${FIELDS} }
  }
}`;

interface RetirementJson {
  registry: string;
  serialization: string | null;
  amount: { amount: string; unit: MassUnit };
  beneficiaryName: string | null;
  retiredAt: string;
}

const records = (retirements: RetirementJson[]): OffsetRetirementRecord[] =>
  retirements
    .map((r) => ({
      registry: r.registry,
      serialization: r.serialization,
      tonnes: convertMass(r.amount.amount, r.amount.unit, 'T'),
      beneficiaryName: r.beneficiaryName,
      retiredAt: new Date(r.retiredAt),
    }))
    .sort((a, b) => a.retiredAt.getTime() - b.retiredAt.getTime());

/**
 * The retirements the registry recorded for an order and for the pooled retirements it shares in,
 * oldest first, in one call; null when the registry cannot answer.
 */
export async function registryRetirementsOf(
  endpoint: ServiceEndpoint,
  offsetOrderId: string,
  poolRetirementIds: readonly string[],
): Promise<RegistryRetirements | null> {
  const representations = [
    { __typename: 'OffsetOrder', id: offsetOrderId },
    ...poolRetirementIds.map((id) => ({ __typename: 'OffsetPoolRetirement', id })),
  ];
  const answer = await callService<{ _entities: ({ retirements: RetirementJson[] | null } | null)[] }>(
    'registry',
    endpoint,
    AS_SERVICE,
    RETIREMENTS,
    { representations },
  );
  const entities = answer.data?._entities;
  // The registry answers null retirements (with an error) when one of its upstreams failed.
  if (!entities || entities.length !== representations.length || entities.some((e) => !e?.retirements)) return null;
  return {
    order: records(entities[0]!.retirements!),
    pools: new Map(poolRetirementIds.map((id, i) => [id, records(entities[i + 1]!.retirements!)])),
  };
}
