// Reads the registry's retirements of an offset order (the `OffsetOrder.retirements` field the
// registry contributes) over HTTP, for the certificate. The registry is another subgraph with its
// own database, so this is a service call, never a read of its tables.
import { convertMass, type MassUnit } from '../../../../lib/decimal.ts';
import type { OffsetRetirementRecord } from '../source.ts';
import { callService, type ServiceEndpoint } from '../../local/service-call.ts';

const RETIREMENTS = `query OffsetOrderRetirements($representations: [_Any!]!) {
  _entities(representations: $representations) {
    ... on OffsetOrder { retirements { registry serialization amount { amount unit } beneficiaryName retiredAt } }
  }
}`;

interface RetirementJson {
  registry: string;
  serialization: string | null;
  amount: { amount: string; unit: MassUnit };
  beneficiaryName: string | null;
  retiredAt: string;
}

/** The retirements the registry recorded for an order, oldest first; null when the registry cannot answer. */
export async function registryRetirementsOf(endpoint: ServiceEndpoint, offsetOrderId: string): Promise<OffsetRetirementRecord[] | null> {
  const answer = await callService<{ _entities: ({ retirements: RetirementJson[] | null } | null)[] }>('registry', endpoint, RETIREMENTS, {
    representations: [{ __typename: 'OffsetOrder', id: offsetOrderId }],
  });
  const entity = answer.data?._entities[0];
  // The registry answers null retirements (with an error) when one of its upstreams failed.
  if (!entity?.retirements) return null;
  return entity.retirements
    .map((r) => ({
      registry: r.registry,
      serialization: r.serialization,
      tonnes: convertMass(r.amount.amount, r.amount.unit, 'T'),
      beneficiaryName: r.beneficiaryName,
      retiredAt: new Date(r.retiredAt),
    }))
    .sort((a, b) => a.retiredAt.getTime() - b.retiredAt.getTime());
}
