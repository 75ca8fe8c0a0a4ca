// A write waits for a lock another process holds on the marketplace's tables: on SQLite the
// database's write lock (a write transaction takes it when it begins, so its busy timeout,
// SQLITE_BUSY_TIMEOUT_MS, applies however the transaction starts), on PostgreSQL a table lock.
// Held for less than the timeout, createOrder waits and succeeds; held longer, it fails with
// nothing written.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { DEMO } from '../../demo/data.ts';
import { usingPostgres } from '../support/env.ts';
import { OrdersAndStockDocument, PlaceOrderDocument } from '../__generated__/marketplace-operations.ts';
import { data, startMarketplace, type Marketplace } from './helpers.ts';

const CREATE = PlaceOrderDocument;
const COUNT = OrdersAndStockDocument;

/** What happened, in order: the lock taken, the lock released, the answer. */
type Event = 'locked' | 'released' | 'answered';

/** Another process takes the write lock of the marketplace's data and holds it for `ms`. */
async function holdLock(m: Marketplace, ms: number, events: Event[]): Promise<{ released: Promise<void> }> {
  if (usingPostgres()) {
    const client = new pg.Client({ connectionString: m.config.DATABASE_URL });
    await client.connect();
    await client.query('begin');
    await client.query('lock table "marketplace"."products", "marketplace"."orders" in exclusive mode');
    events.push('locked');
    const released = new Promise<void>((resolve) => setTimeout(resolve, ms)).then(async () => {
      events.push('released');
      await client.query('commit');
      await client.end();
    });
    return { released };
  }
  const file = join(m.config.dataDir, 'marketplace.sqlite');
  const script = `const { DatabaseSync } = require('node:sqlite');
    const db = new DatabaseSync(${JSON.stringify(file)});
    db.exec('begin immediate');
    console.log('locked');
    setTimeout(() => { console.log('released'); db.exec('commit'); db.close(); }, ${ms});`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    for (const line of chunk.split('\n')) if (line === 'locked' || line === 'released') events.push(line);
  });
  await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
  return { released: new Promise<void>((resolve) => child.once('exit', () => resolve())) };
}

describe(`createOrder while another process holds the write lock (${usingPostgres() ? 'PostgreSQL' : 'SQLite'})`, () => {
  let m: Marketplace | undefined;
  afterEach(async () => {
    await m?.stop();
    m = undefined;
  });

  it('waits for the lock and succeeds', async () => {
    // PostgreSQL waits for a lock as long as it takes (no lock timeout is set); SQLite up to the busy timeout.
    m = await startMarketplace('local', { SQLITE_BUSY_TIMEOUT_MS: '20000' });
    const events: Event[] = [];
    const { released } = await holdLock(m, 1500, events);
    const res = await m.as('alice', CREATE, { input: { productId: DEMO.products[0], quantity: '1', isPublic: false } });
    events.push('answered');
    await released;
    expect(data(res).createOrder).toMatchObject({ order: { quantity: { amount: '1' } }, userErrors: [] });
    expect(events).toEqual(['locked', 'released', 'answered']);
  }, 60_000);

  if (!usingPostgres()) {
    it('held beyond SQLITE_BUSY_TIMEOUT_MS, fails with nothing written', async () => {
      m = await startMarketplace('local', { SQLITE_BUSY_TIMEOUT_MS: '200' });
      const before = data(await m.as('admin', COUNT, { productId: DEMO.products[0]! }));
      const events: Event[] = [];
      const { released } = await holdLock(m, 3000, events);
      const res = await m.as('alice', CREATE, {
        input: { productId: DEMO.products[0], quantity: '1', isPublic: false },
      });
      events.push('answered');
      await released;
      expect(res.errors?.map((e) => e.extensions?.code)).toEqual(['INTERNAL_SERVER_ERROR']);
      expect(events).toEqual(['locked', 'answered', 'released']);
      expect(data(await m.as('admin', COUNT, { productId: DEMO.products[0]! }))).toEqual(before);
    }, 60_000);
  }
});
