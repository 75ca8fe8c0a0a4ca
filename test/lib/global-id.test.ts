// The global id codec and the entity catalogue read from the subgraph SDLs.
import { describe, expect, it } from '@jest/globals';
import { parseGlobalId, toGlobalId, toLocalId } from '../../lib/global-id.ts';
import { schemas } from '../../subgraphs/index.ts';

describe('global ids', () => {
  const catalogue = schemas.entities();

  it('knows every entity type and the subgraph answering it', () => {
    expect(Object.fromEntries(catalogue.owners)).toMatchObject({
      User: 'marketplace',
      Product: 'marketplace',
      Order: 'marketplace',
      Nft: 'marketplace',
      OffsetOrder: 'marketplace',
      ResoldProduct: 'footprints',
      Organization: 'registry',
      Project: 'registry',
    });
  });

  it('encodes the type and the local id, and decodes only canonical ids of known types', () => {
    const id = toGlobalId('Product', 'de030000-0000-4000-8000-000000000001');
    expect(Buffer.from(id, 'base64url').toString()).toBe('Product:de030000-0000-4000-8000-000000000001');
    expect(parseGlobalId(id, catalogue)).toEqual({ type: 'Product', id: 'de030000-0000-4000-8000-000000000001' });
    expect(parseGlobalId(toGlobalId('Organization', 'a:b'), catalogue)).toEqual({ type: 'Organization', id: 'a:b' });
    for (const forged of [
      'de030000-0000-4000-8000-000000000001',
      toGlobalId('Nothing', '1'),
      Buffer.from('Product:').toString('base64url'),
      `${id}=`,
      'a b',
    ]) {
      expect(parseGlobalId(forged, catalogue)).toBeNull();
    }
  });

  it('an incoming id: global of the expected type, or a local id; another type is BAD_USER_INPUT', () => {
    const product = toGlobalId('Product', 'p1');
    expect(toLocalId(product, catalogue, 'Product', 'id')).toBe('p1');
    expect(toLocalId(product, catalogue, null, 'input.id')).toBe('p1');
    expect(toLocalId('p1', catalogue, 'Product', 'id')).toBe('p1');
    expect(() => toLocalId(product, catalogue, 'Supplier', 'id')).toThrow(
      expect.objectContaining({ extensions: expect.objectContaining({ code: 'BAD_USER_INPUT' }) }),
    );
  });
});
