import { describe, expect, it } from '@jest/globals';
import { withDatabase } from '../../lib/upstream-health.ts';

describe('withDatabase', () => {
  const db = (up: boolean) => async () => ({ up, source: 'local' as const, database: { kind: 'sqlite', up } });
  const upstreams = (up: boolean) => async () => ({
    up,
    source: 'upstream' as const,
    upstreams: { icr: up ? ('up' as const) : ('down' as const) },
  });

  it('is up only when the database and every upstream are, and reports both', async () => {
    expect(await withDatabase(db(true), upstreams(true))()).toEqual({
      up: true,
      source: 'upstream',
      upstreams: { icr: 'up' },
      database: { kind: 'sqlite', up: true },
    });
    expect((await withDatabase(db(false), upstreams(true))()).up).toBe(false);
    expect((await withDatabase(db(true), upstreams(false))()).up).toBe(false);
  });
});
