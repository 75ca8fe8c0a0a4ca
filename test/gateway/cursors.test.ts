// Tampered cursors through the gateway (local mode), on every connection field of the public
// schema: a cursor that does not decode to a position of the list it is sent to — garbage,
// another list's, an offset, a value of another type than the list's key (a date as a string, a
// boolean id), one beyond what the database compares (year 10000, a 33-bit integer) or a NUL — is
// BAD_USER_INPUT "Invalid cursor" in `after` and `before`, never an internal error, on SQLite and
// PostgreSQL alike.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DEMO } from '../../demo/data.ts';
import { tokenFor } from '../support/env.ts';
import { OffsetResoldProductDocument, SubscribeToMailingListDocument } from '../__generated__/operations.ts';
import { graphql, ok } from '../support/graphql.ts';
import { startStack, type Stack } from '../support/stack.ts';
import { REACH, connectionFields, connectionQuery, pageIn } from './connections.ts';

const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const decode = (cursor: string) =>
  JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Record<string, unknown>;

/** Values of another kind than `value`, and of its kind but out of range, to put in its place. */
function wrongFor(value: unknown): unknown[] {
  const isObject = (v: unknown): v is Record<string, unknown> =>
    Boolean(v) && typeof v === 'object' && !Array.isArray(v);
  if (isObject(value) && 'd' in value)
    return ['2026-01-01T00:00:00.000Z', value.d, { d: 8.64e15 + 1 }, { d: 253_402_300_800_000 }, { d: 1e300 }, true];
  if (isObject(value) && 'b' in value)
    return [String(value.b), Number(value.b), { b: '9223372036854775808' }, { b: '1e3' }];
  if (typeof value === 'number') return [String(value), 2 ** 31, value + 0.5, { d: value }];
  if (typeof value === 'boolean') return [String(value), 1];
  // A string key (an id, a name, a code).
  return [true, 1, null, { b: '1' }, `${String(value)}\u0000`, 'x'.repeat(1001), [value]];
}

/** Tampered versions of a real cursor of a list, and cursors of nothing or of another list. */
function tampered(real: string, otherList: string): string[] {
  const position = decode(real);
  const out: string[] = [];
  const values = position.p;
  if (Array.isArray(values)) {
    values.forEach((value, i) => {
      for (const wrong of wrongFor(value))
        out.push(encode({ ...position, p: values.map((v: unknown, j: number) => (j === i ? wrong : v)) }));
    });
    out.push(encode({ ...position, p: values.slice(1) }), encode({ ...position, s: `other,${String(position.s)}` }));
  }
  if (typeof position.o === 'number')
    out.push(encode({ ...position, o: -1 }), encode({ ...position, o: 2 ** 31 }), encode({ ...position, o: '1' }));
  const { l, ...rest } = position;
  out.push(
    encode(rest), // no list
    encode({ ...position, l: `${String(l)}x` }),
    encode({ l, o: 0 }),
    encode({ l, k: 'x' }),
    otherList, // a real cursor of another list
    'not-a-cursor',
    encode([1]),
    encode(null),
  );
  return out;
}

describe('tampered cursors through the gateway (local mode)', () => {
  let stack: Stack;
  let admin: string;
  let alice: string;
  const fields = connectionFields();
  /** A real first cursor of each list. */
  const cursors = new Map<string, string>();

  beforeAll(async () => {
    stack = await startStack('local');
    admin = await tokenFor(DEMO.users.admin);
    alice = await tokenFor(DEMO.users.alice);
    // Rows for the lists the demo data leaves empty: a mailing-list entry and an offset of a resold product.
    ok(
      await graphql(
        stack.gateway.url,
        SubscribeToMailingListDocument,
        { input: { email: 'cursors@buyer.example' } },
        { token: alice },
      ),
    );
    const offset = await graphql(
      stack.gateway.url,
      OffsetResoldProductDocument,
      { input: { resoldProductId: DEMO.resoldProducts[0]!, year: 2025, idempotencyKey: 'cursors' } },
      { token: admin },
    );
    expect(ok(offset)).toMatchObject({ offsetResoldProduct: { userErrors: [] } });
    for (const { coordinate } of fields) {
      for (const token of [admin, alice]) {
        const page = pageIn(
          (
            await graphql(
              stack.gateway.url,
              connectionQuery(coordinate, 'first: 1', '{ edges { cursor } pageInfo { hasNextPage } }'),
              {},
              { token },
            )
          ).data,
        );
        const cursor = page?.edges[0]?.cursor;
        if (cursor) {
          cursors.set(coordinate, cursor);
          break;
        }
      }
    }
    // A list whose parent has no row here (the first NFT has no payment) pages the same list as a field of its type that has.
    for (const { coordinate, type } of fields) {
      const sibling = fields.find((f) => f.type === type && cursors.has(f.coordinate));
      if (!cursors.has(coordinate) && sibling) cursors.set(coordinate, cursors.get(sibling.coordinate)!);
    }
  }, 120_000);
  afterAll(async () => {
    await stack?.stop();
  });

  it('knows how to reach every connection field, and each gave a real cursor', () => {
    expect(fields.map((f) => f.coordinate).sort()).toEqual(Object.keys(REACH).sort());
    expect(fields.filter((f) => !cursors.has(f.coordinate)).map((f) => f.coordinate)).toEqual([]);
  });

  it.each(fields.map((f) => [f.coordinate, f.backwards] as const))(
    '%s: every tampered cursor is BAD_USER_INPUT "Invalid cursor"',
    async (coordinate, backwards) => {
      const real = cursors.get(coordinate)!;
      const otherList = [...cursors.entries()].find(
        ([c, cursor]) => c !== coordinate && decode(cursor).l !== decode(real).l,
      )![1];
      // Each tampered cursor is tried as the admin, then as a user when the list is hidden from the
      // first; the cursors of a list are sent at once.
      const answerOf = async (argument: string, cursor: string) => {
        const size = argument === 'after' ? 'first: 2' : 'last: 2';
        for (const token of [admin, alice]) {
          const res = await graphql(
            stack.gateway.url,
            connectionQuery(coordinate, `${size}, ${argument}: ${JSON.stringify(cursor)}`, '{ edges { cursor } }'),
            {},
            { token },
          );
          // A list its parent hides from this caller (an organization of another) says nothing about cursors.
          if (res.errors?.some((e) => e.extensions?.code === 'FORBIDDEN' || e.extensions?.code === 'UNAUTHENTICATED'))
            continue;
          const error = res.errors?.[0];
          return { argument, code: error?.extensions?.code, message: error?.message };
        }
        return null;
      };
      const tried = await Promise.all(
        (backwards ? ['after', 'before'] : ['after']).flatMap((argument) =>
          tampered(real, otherList).map((cursor) => answerOf(argument, cursor)),
        ),
      );
      const answers = tried.filter((a) => a !== null);
      expect(answers.length).toBeGreaterThan(0);
      const wrong = answers.filter(
        (a) => a.code !== 'BAD_USER_INPUT' || a.message !== `Invalid cursor in "${a.argument}"`,
      );
      expect(wrong).toEqual([]);
    },
  );
});
