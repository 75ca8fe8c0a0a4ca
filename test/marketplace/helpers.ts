// Starts the marketplace subgraph for a suite in either mode (upstream mode against the CO2Trust
// contract fake) and keeps its database at hand, so suites can count SQL statements.
import { DEMO } from '../../lib/demo.ts';
import { serveSubgraph } from '../../lib/subgraph.ts';
import { createMarketplaceApp, type MarketplaceApp } from '../../subgraphs/marketplace/server.ts';
import { FAKE_CO2TRUST_SECRET, startCo2TrustFake, type Co2TrustFake } from '../fakes/co2trust.ts';
import { freshStorage, testConfig, tokenFor, type Mode } from '../support/env.ts';
import { graphql, ok, type GraphQLResponse } from '../support/graphql.ts';

export interface Marketplace {
  url: string;
  mode: Mode;
  app: MarketplaceApp;
  fake?: Co2TrustFake;
  /** Tokens of the demo users, as `authenticate` would issue them in this mode. */
  tokens: { alice: string; bob: string; admin: string };
  /** Sends a query as a demo user (or anonymously). */
  as(who: 'alice' | 'bob' | 'admin' | null, query: string, variables?: Record<string, unknown>): Promise<GraphQLResponse<Record<string, unknown>>>;
  stop(): Promise<void>;
}

export async function startMarketplace(mode: Mode, env: Record<string, string> = {}): Promise<Marketplace> {
  const storage = await freshStorage();
  const fake = mode === 'upstream' ? await startCo2TrustFake() : undefined;
  const config = testConfig({
    ...storage.env,
    MARKETPLACE_SOURCE: mode,
    // Nothing listens here unless a suite starts a payments stand-in.
    PAYMENTS_URL: 'http://127.0.0.1:9/graphql',
    PAYMENT_OUTBOX_INTERVAL_MS: '60000',
    ...(fake ? { CO2TRUST_BASE_URL: fake.url, CO2TRUST_BACKEND_SECRET_KEY: FAKE_CO2TRUST_SECRET } : {}),
    ...env,
  });
  const app = await createMarketplaceApp(config);
  const running = await serveSubgraph(app, config, 0);
  const token = (u: (typeof DEMO.users)[keyof typeof DEMO.users]) => tokenFor(u, mode === 'upstream' ? { upstreamToken: `co2t_${u.id}` } : {});
  const tokens = { alice: await token(DEMO.users.alice), bob: await token(DEMO.users.bob), admin: await token(DEMO.users.admin) };
  return {
    url: running.url,
    mode,
    app,
    fake,
    tokens,
    as: (who, query, variables) => graphql(running.url, query, variables, who ? { token: tokens[who] } : {}),
    async stop() {
      await running.stop();
      await fake?.stop();
      await storage.drop();
    },
  };
}

/** The data of a response without errors, typed loosely for assertions. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const data = (res: GraphQLResponse<Record<string, unknown>>): any => ok(res);

export const ids = (conn: { nodes: { id: string }[] }) => conn.nodes.map((n) => n.id);
