// Offset order rows (grams, minor units) to domain records (decimals) and back.
import { randomUUID } from 'node:crypto';
import { tonnesToGrams, toMinor } from '../../../../lib/decimal.ts';
import { gramsToTonnes, minorToDecimal, type OffsetBundleStock } from '../allocation.ts';
import type { OffsetOrderRecord } from '../source.ts';
import type { OffsetAllocation, OffsetBundle, OffsetOrder } from './entities.ts';

export function offsetOrderRecord(o: OffsetOrder, allocations: OffsetAllocation[]): OffsetOrderRecord {
  const money = (minor: bigint) => ({ amount: minorToDecimal(minor, o.currency), currency: o.currency });
  return {
    id: o.id,
    ownerId: o.ownerId ?? null,
    idempotencyKey: o.idempotencyKey ?? null,
    type: o.type,
    status: o.status,
    mass: gramsToTonnes(o.massGrams),
    totalCost: money(o.totalCostMinor),
    maximumSpend: o.maximumSpendMinor == null ? null : money(o.maximumSpendMinor),
    estimateId: o.estimateId ?? null,
    beneficiary: o.beneficiary ?? null,
    createdAt: o.createdAt,
    allocations: [...allocations]
      .sort((a, b) => a.position - b.position)
      .map((a) => ({
        bundleId: a.bundleId,
        bundleName: a.bundleName,
        projectId: a.projectId ?? null,
        projectName: a.projectName,
        mass: gramsToTonnes(a.grams),
        unitPrice: money(a.pricePerTonneMinor),
        cost: money(a.costMinor),
      })),
  };
}

export function bundleStock(b: OffsetBundle): OffsetBundleStock {
  return {
    id: b.id,
    name: b.name,
    projectId: b.projectId ?? null,
    projectName: b.projectName,
    pricePerTonneMinor: b.pricePerTonneMinor,
    currency: b.currency,
    availableGrams: b.availableGrams,
  };
}

/** The rows of an order record (used to seed the demo orders). */
export function toOffsetRow(o: OffsetOrderRecord, hash: string) {
  const currency = o.totalCost.currency;
  return {
    order: {
      id: o.id,
      ownerId: o.ownerId,
      idempotencyKey: o.idempotencyKey,
      requestHash: hash,
      type: o.type,
      status: o.status,
      currency,
      massGrams: tonnesToGrams(o.mass),
      totalCostMinor: toMinor(o.totalCost.amount, currency),
      maximumSpendMinor: o.maximumSpend ? toMinor(o.maximumSpend.amount, currency) : null,
      estimateId: o.estimateId,
      beneficiary: o.beneficiary,
      createdAt: o.createdAt,
    },
    allocations: o.allocations.map((a, position) => ({
      id: randomUUID(),
      orderId: o.id,
      position,
      bundleId: a.bundleId,
      bundleName: a.bundleName,
      projectId: a.projectId,
      projectName: a.projectName,
      grams: tonnesToGrams(a.mass),
      pricePerTonneMinor: toMinor(a.unitPrice.amount, currency),
      costMinor: toMinor(a.cost.amount, currency),
    })),
  };
}
