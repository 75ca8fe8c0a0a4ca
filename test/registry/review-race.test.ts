// An accept and a reject of the same pending request, sent at once, must never deadlock: exactly
// one review wins, the other is told the request was already reviewed, and the ledger stays whole.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { openDatabase, type Database } from '../../lib/db.ts';
import { DEMO } from '../../demo/data.ts';
import { Balance, entities } from '../../subgraphs/registry/local/entities.ts';
import { demoCredits } from '../../subgraphs/registry/local/seed.ts';
import { ledgerTotals } from '../../subgraphs/registry/local/ledger.ts';
import { MIGRATIONS, createRegistryApp } from '../../subgraphs/registry/server.ts';
import { tokenFor } from '../support/env.ts';
import { graphql, type GraphQLResponse } from '../support/graphql.ts';
import { startTestSubgraph, type TestSubgraph } from '../support/subgraph.ts';

const { nordicForest: NORDIC, carbonBuyer: BUYER } = DEMO.organizations;
const C1 = demoCredits[0]!;
const PAIRS = 80;

type Payload = { creditRequest: { id: string; state: string } | null; userErrors: { code: string }[] };
const REQUEST = `mutation R($input: CreditActionInput!) { requestCreditAction(input: $input) { creditRequest { id state } userErrors { code } } }`;
const REVIEW = `mutation V($input: ReviewCreditRequestInput!) { reviewCreditRequest(input: $input) { creditRequest { id state } userErrors { code } } }`;

describe('reviewCreditRequest races (local mode)', () => {
  let subgraph: TestSubgraph;
  let db: Database;
  let bob: string;

  beforeAll(async () => {
    subgraph = await startTestSubgraph('registry', 'local', createRegistryApp);
    db = await openDatabase(subgraph.config, { name: 'registry', entities, migrationsPath: MIGRATIONS });
    bob = await tokenFor(DEMO.users.bob);
  });
  afterAll(async () => {
    await db?.close();
    await subgraph?.stop();
  });

  const send = (query: string, input: Record<string, unknown>) =>
    graphql<Record<string, Payload>>(subgraph.url, query, { input }, { token: bob });

  it(`${PAIRS} accept/reject pairs of pending transfers all answer without an error`, async () => {
    const pending: string[] = [];
    for (let i = 0; i < PAIRS; i++) {
      const res = await send(REQUEST, {
        organizationId: NORDIC,
        action: 'TRANSFER',
        creditId: C1.id,
        amount: '1',
        toOrganizationId: BUYER,
      });
      pending.push(res.data!.requestCreditAction!.creditRequest!.id);
    }
    const answers: GraphQLResponse<Record<string, Payload>>[] = await Promise.all(
      pending.flatMap((requestId) => [
        send(REVIEW, { organizationId: NORDIC, requestId, state: 'ACCEPTED' }),
        send(REVIEW, { organizationId: NORDIC, requestId, state: 'REJECTED' }),
      ]),
    );
    expect(answers.flatMap((a) => a.errors ?? [])).toEqual([]);
    for (let i = 0; i < PAIRS; i++) {
      const pair = [answers[2 * i]!.data!.reviewCreditRequest!, answers[2 * i + 1]!.data!.reviewCreditRequest!];
      // Exactly one review of each request wins; the loser learns it came second.
      expect(pair.filter((p) => p.creditRequest).length).toBe(1);
      expect(pair.flatMap((p) => p.userErrors.map((e) => e.code))).toHaveLength(1);
    }
    const accepted = answers.filter((a, i) => i % 2 === 0 && a.data!.reviewCreditRequest!.creditRequest).length;
    const t = await ledgerTotals(db.fork(), C1.id);
    expect(t.issued).toBe(t.held + t.reserved + t.retired + t.cancelled);
    expect(t.reserved).toBe(0n);
    expect(t.serialsUnique).toBe(true);
    expect(t.balancesMatch).toBe(true);
    // Accepted transfers left the sender; rejected ones came back to it.
    const sender = await db.fork().findOneOrFail(Balance, { creditId: C1.id, organizationId: NORDIC });
    expect(sender.heldTonnes).toBe(600n - BigInt(accepted));
    expect(sender.reservedTonnes).toBe(0n);
    // 240 writes on one busy SQLite file: generous, as the machine may be shared.
  }, 120_000);
});
