// The write journal on its own (lib/write-journal.ts), on the database the suite runs on: a write
// is sent once however many twins arrive together; a repeat of a keyless write that succeeded
// before it came is a new write; a keyed write replays; another request under a key is refused.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { openDatabase, type Database } from '../../lib/db.ts';
import { ROOT } from '../../lib/paths.ts';
import { WriteJournal, WriteJournalSchema, type JournaledWrite } from '../../lib/write-journal.ts';
import { freshStorage, testConfig } from '../support/env.ts';

let storage: Awaited<ReturnType<typeof freshStorage>>;
let db: Database;
let journal: WriteJournal;

beforeAll(async () => {
  storage = await freshStorage();
  db = await openDatabase(testConfig(storage.env), {
    name: 'payments',
    entities: [WriteJournalSchema],
    migrationsPath: `${ROOT}/subgraphs/payments/local/migrations`,
  });
  journal = new WriteJournal(() => db.fork(), { settleMs: 5_000 });
});
afterAll(async () => {
  await db?.close();
  await storage?.drop();
});

/** An upstream that keeps one record per request body and counts what it was sent. */
function upstream(delayMs: number, repeatSends = false) {
  const sent: string[] = [];
  const write = (caller: string, email: string, key: string | null): JournaledWrite<{ id: string }> => ({
    caller,
    operation: 'signUp',
    key,
    request: { email },
    upstream: 'Example',
    repeatSends,
    send: async () => {
      sent.push(email);
      await new Promise((r) => setTimeout(r, delayMs));
      return { id: `${email}#${sent.length}` };
    },
    read: (row) => ({ id: (row as { id: string }).id }),
  });
  return { sent, write };
}

describe('write journal', () => {
  it('answers the twins of a keyless write in flight with its record, sending it once', async () => {
    const u = upstream(300);
    const first = journal.run(u.write('anonymous', 'rush@example.org', null));
    while (u.sent.length === 0) await new Promise((r) => setTimeout(r, 5));
    const twins = Array.from({ length: 9 }, () => journal.run(u.write('anonymous', 'rush@example.org', null)));
    const answers = await Promise.all([first, ...twins]);
    expect(u.sent).toHaveLength(1);
    expect(new Set(answers.map((a) => a.result?.id))).toEqual(new Set(['rush@example.org#1']));
    expect(new Set(answers.map((a) => a.key)).size).toBe(1);
  });

  it('answers twins that arrive while the first is finishing, without running out of tries', async () => {
    // An upstream that answers a twin without a second effect (one entry per address): twins in
    // flight are sent outside the journal, and many rows open and close under one derived key.
    const u = upstream(0, true);
    for (let round = 0; round < 20; round++) {
      const email = `wave${round}@example.org`;
      const answers = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          new Promise((r) => setTimeout(r, i)).then(() => journal.run(u.write('anonymous', email, null))),
        ),
      );
      expect(answers.every((a) => a.result !== null)).toBe(true);
    }
  });

  it('makes a repeat of a keyless write that succeeded before it a new write, as local mode does', async () => {
    const u = upstream(0);
    const first = await journal.run(u.write('alice', 'again@example.org', null));
    await new Promise((r) => setTimeout(r, 5));
    const second = await journal.run(u.write('alice', 'again@example.org', null));
    expect(u.sent).toHaveLength(2);
    expect(second.result?.id).not.toBe(first.result?.id);
  });

  it('replays a keyed write and refuses another request under its key', async () => {
    const u = upstream(0);
    const first = await journal.run(u.write('bob', 'keyed@example.org', 'key-1'));
    const again = await journal.run(u.write('bob', 'keyed@example.org', 'key-1'));
    expect(again).toEqual(first);
    expect(u.sent).toHaveLength(1);
    await expect(journal.run(u.write('bob', 'other@example.org', 'key-1'))).rejects.toMatchObject({
      code: 'IDEMPOTENCY_MISMATCH',
    });
  });
});
