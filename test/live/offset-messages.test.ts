// The messages of offset order changes name ids only, and a stream skips those about other buyers
// or other orders: it reads its order again only for its own (or a message that names nothing).
import { describe, expect, it } from '@jest/globals';
import { NAMED_ORDERS, concerns, offsetOrderMessage, outboxChange } from '../../subgraphs/marketplace/offsets/live.ts';

describe('offset order messages', () => {
  it('name the buyers and orders changed, as ids only', () => {
    expect(offsetOrderMessage({ ownerId: 'u1', orderId: 'o1' })).toEqual({ ownerIds: ['u1'], orderIds: ['o1'] });
    // A run before its order: its buyer only.
    expect(offsetOrderMessage({ ownerId: 'u1', orderId: null })).toEqual({ ownerIds: ['u1'] });
    expect(
      offsetOrderMessage({
        orders: [
          { id: 'o1', ownerId: 'u1' },
          { id: 'o2', ownerId: 'u1' },
          { id: 'o3', ownerId: 'u2' },
        ],
      }),
    ).toEqual({ ownerIds: ['u1', 'u2'], orderIds: ['o1', 'o2', 'o3'] });
    // An order of no known buyer: the orders only. Too many orders, or nothing known: no ids.
    expect(offsetOrderMessage({ orders: [{ id: 'o1', ownerId: null }] })).toEqual({ orderIds: ['o1'] });
    const many = Array.from({ length: NAMED_ORDERS + 1 }, (_, i) => ({ id: `o${i}`, ownerId: 'u1' }));
    expect(offsetOrderMessage({ orders: many })).toEqual({});
    expect(offsetOrderMessage()).toEqual({});
    // A payment record delivered names its order and payer, and nothing else of the record.
    const payment = JSON.stringify({ typeId: 'o1', payerId: 'u1', amount: '1.00', externalReference: 'x' });
    expect(offsetOrderMessage(outboxChange('recordPaymentTransaction', payment))).toEqual({
      ownerIds: ['u1'],
      orderIds: ['o1'],
    });
  });

  it('are skipped by a stream of another buyer, or of another order once the stream knows its own', () => {
    const message = offsetOrderMessage({ ownerId: 'u1', orderId: 'o1' });
    // A buyer's stream by key before the order exists (its buyer known, no order yet).
    expect(concerns(message, 'u1', null)).toBe(true);
    expect(concerns(message, 'u2', null)).toBe(false);
    // Once the order is known.
    expect(concerns(message, 'u1', 'o1')).toBe(true);
    expect(concerns(message, 'u1', 'o9')).toBe(false);
    // An order followed by id whose buyer is not known (placed outside the marketplace).
    expect(concerns(message, null, 'o1')).toBe(true);
    expect(concerns(message, null, 'o9')).toBe(false);
    // A message that names nothing is read by every stream.
    expect(concerns({}, 'u2', 'o9')).toBe(true);
  });
});
