// SQLite storage as the subgraphs open it: WAL journal (readers never block the writer), a busy
// timeout that waits for a lock held by another process, and files only their owner can read.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from '@jest/globals';
import { defineEntity, p } from '@mikro-orm/core';
import { loadConfig } from '../../lib/config.ts';
import { openDatabase, type Database } from '../../lib/db.ts';
import { usingPostgres } from '../support/env.ts';

const LedgerEntrySchema = defineEntity({
  name: 'LedgerEntry',
  tableName: 'ledger_entries',
  properties: { id: p.integer().primary() },
});
class LedgerEntry extends LedgerEntrySchema.class {}
LedgerEntrySchema.setClass(LedgerEntry);

const root = mkdtempSync(join(tmpdir(), 'carbon-db-'));
const open = (dir: string, env: Record<string, string> = {}) =>
  openDatabase(loadConfig({ DATA_DIR: dir, ...env } as NodeJS.ProcessEnv), {
    name: 'registry',
    entities: [LedgerEntrySchema],
    migrationsPath: root,
  });
const mode = (path: string) => statSync(path).mode & 0o777;

/** Another process takes the write lock of the file, holds it for `ms`, then lets go. */
/**
 * Another process holding the write lock of a SQLite file for `ms`; `released` says when it let go
 * (its clock), so a test can tell a write that waited from one that came late.
 */
async function holdWriteLock(file: string, ms: number): Promise<{ released: Promise<number> }> {
  const script = `const { DatabaseSync } = require('node:sqlite');
    const db = new DatabaseSync(${JSON.stringify(file)});
    db.exec('begin immediate');
    console.log('locked');
    setTimeout(() => { db.exec('commit'); db.close(); console.log('released ' + Date.now()); }, ${ms});`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
  return {
    released: new Promise<number>((resolve) =>
      child.once('exit', () => resolve(Number(/released (\d+)/.exec(out)?.[1]))),
    ),
  };
}

(usingPostgres() ? describe.skip : describe)('SQLite storage (SQLite run only: opens SQLite files)', () => {
  let db: Database | undefined;
  afterEach(async () => {
    await db?.close();
    db = undefined;
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('runs in WAL mode, and the mode is kept in the file', async () => {
    const dir = join(root, 'wal');
    db = await open(dir);
    expect(await db.orm.em.getConnection().execute('pragma journal_mode')).toEqual([{ journal_mode: 'wal' }]);
    await db.close();
    const { DatabaseSync } = await import('node:sqlite');
    const other = new DatabaseSync(join(dir, 'registry.sqlite'));
    expect(other.prepare('pragma journal_mode').get()).toEqual({ journal_mode: 'wal' });
    other.close();
    db = undefined;
  });

  it('has a busy timeout of 5 s by default, and SQLITE_BUSY_TIMEOUT_MS sets it', async () => {
    db = await open(join(root, 'busy-default'));
    expect(await db.orm.em.getConnection().execute('pragma busy_timeout')).toEqual([{ timeout: 5000 }]);
    await db.close();
    db = await open(join(root, 'busy-set'), { SQLITE_BUSY_TIMEOUT_MS: '12000' });
    expect(await db.orm.em.getConnection().execute('pragma busy_timeout')).toEqual([{ timeout: 12000 }]);
  });

  it('a write waits for a lock another process holds, within the busy timeout', async () => {
    const dir = join(root, 'lock');
    db = await open(dir, { SQLITE_BUSY_TIMEOUT_MS: '10000' });
    const { released } = await holdWriteLock(join(dir, 'registry.sqlite'), 2000);
    await db.orm.em.getConnection().execute('insert into ledger_entries (id) values (1)');
    const written = Date.now();
    // Written once the other process let go: it waited (a busy error would have thrown at once).
    expect(written).toBeGreaterThanOrEqual(await released);
    expect(await db.orm.em.getConnection().execute('select count(*) as n from ledger_entries')).toEqual([{ n: 1 }]);
  }, 20_000);

  it('a transaction that reads before it writes waits for the lock too (it takes the lock when it begins)', async () => {
    const dir = join(root, 'lock-read-then-write');
    db = await open(dir, { SQLITE_BUSY_TIMEOUT_MS: '10000' });
    const { released } = await holdWriteLock(join(dir, 'registry.sqlite'), 1000);
    await db.fork().transactional(async (em) => {
      const [{ n }] = await em.execute<{ n: number }[]>('select count(*) as n from ledger_entries');
      await em.execute('insert into ledger_entries (id) values (?)', [n + 1]);
    });
    await released;
    expect(await db.orm.em.getConnection().execute('select count(*) as n from ledger_entries')).toEqual([{ n: 1 }]);
  }, 20_000);

  it('a write fails cleanly when the lock is held beyond the busy timeout, and nothing is written', async () => {
    const dir = join(root, 'lock-short');
    db = await open(dir, { SQLITE_BUSY_TIMEOUT_MS: '100' });
    const { released } = await holdWriteLock(join(dir, 'registry.sqlite'), 1500);
    await expect(db.orm.em.getConnection().execute('insert into ledger_entries (id) values (1)')).rejects.toThrow(
      /locked|busy/i,
    );
    await released;
    expect(await db.orm.em.getConnection().execute('select count(*) as n from ledger_entries')).toEqual([{ n: 0 }]);
  }, 20_000);

  it('creates the data folder 0700 and the database, its WAL and shared-memory files 0600', async () => {
    const dir = join(root, 'private', 'data');
    db = await open(dir);
    await db.orm.em.getConnection().execute('insert into ledger_entries (id) values (1)');
    expect(mode(dir)).toBe(0o700);
    for (const file of ['registry.sqlite', 'registry.sqlite-wal', 'registry.sqlite-shm'])
      expect([file, mode(join(dir, file))]).toEqual([file, 0o600]);
    expect(mode(join(dir, 'secrets.json'))).toBe(0o600);
  });
});
