// Starts the marketplace subgraph for a suite in either mode (upstream mode against the CO2Trust
// contract fake) and keeps its database at hand, so suites can count SQL statements.
import { inflateSync } from 'node:zlib';
import { DEMO } from '../../demo/data.ts';
import type { StackConfig as Config } from '../../subgraphs/index.ts';
import { serveSubgraph } from '../../lib/subgraph.ts';
import { createMarketplaceApp, type MarketplaceApp } from '../../subgraphs/marketplace/server.ts';
import { FAKE_CO2TRUST_SECRET, startCo2TrustFake, type Co2TrustFake } from '../../fakes/co2trust.ts';
import { freshStorage, testConfig, tokenFor, type Mode } from '../support/env.ts';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import type { DocumentNode } from 'graphql';
import { graphql, ok, type GraphQLResponse } from '../support/graphql.ts';

type Who = 'alice' | 'bob' | 'admin' | null;

export interface Marketplace {
  url: string;
  mode: Mode;
  app: MarketplaceApp;
  /** The configuration it was started with (its data folder or PostgreSQL database). */
  config: Config;
  fake?: Co2TrustFake;
  /** Tokens of the demo users, as `authenticate` would issue them in this mode. */
  tokens: { alice: string; bob: string; admin: string };
  /**
   * Sends a query as a demo user (or anonymously), through the gateway as far as the subgraph can
   * tell: a typed operation (test/__generated__/marketplace-operations.ts) answers its result type.
   */
  as<T, V>(who: Who, query: TypedDocumentNode<T, V>, variables: V): Promise<GraphQLResponse<T>>;
  as(who: Who, query: string, variables?: Record<string, unknown>): Promise<GraphQLResponse<Record<string, unknown>>>;
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
    // No background resumer poll lands among the statements a suite counts (suites that need it set their own).
    OFFSET_FLOW_RESUME_INTERVAL_MS: '600000',
    ...(fake ? { CO2TRUST_BASE_URL: fake.url, CO2TRUST_BACKEND_SECRET_KEY: FAKE_CO2TRUST_SECRET } : {}),
    ...env,
  });
  const app = await createMarketplaceApp(config);
  const running = await serveSubgraph(app, config, 0);
  const token = (u: (typeof DEMO.users)[keyof typeof DEMO.users]) =>
    tokenFor(u, mode === 'upstream' ? { upstreamToken: `co2t_${u.id}` } : {});
  const tokens = {
    alice: await token(DEMO.users.alice),
    bob: await token(DEMO.users.bob),
    admin: await token(DEMO.users.admin),
  };
  return {
    url: running.url,
    mode,
    app,
    config,
    fake,
    tokens,
    as: (who: Who, query: string | DocumentNode, variables?: unknown) =>
      graphql(running.url, query as string, variables as Record<string, unknown>, {
        ...(who ? { token: tokens[who] } : {}),
      }),
    async stop() {
      await running.stop();
      await fake?.stop();
      await storage.drop();
    },
  };
}

/** The data of a response without errors: a typed operation's result, or loosely typed data of a text. */
export function data<T>(res: GraphQLResponse<T>): Record<string, unknown> extends T ? Loose : T;
export function data(res: GraphQLResponse<unknown>): unknown {
  return ok(res);
}
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = any;

export const ids = (conn: { nodes: { id: string }[] }) => conn.nodes.map((n) => n.id);

/** The text a PDF shows: the hex strings of its (uncompressed or deflated) content streams. */
export function pdfText(pdf: Buffer): string {
  const raw = pdf.toString('latin1');
  const streams: string[] = [];
  const re = /<<([^]*?)>>\s*stream\r?\n/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(raw))) {
    const start = m.index + m[0].length;
    const end = raw.indexOf('endstream', start);
    const body = pdf.subarray(start, end);
    streams.push(m[1]!.includes('FlateDecode') ? inflateSync(body).toString('latin1') : body.toString('latin1'));
  }
  const pieces: string[] = [];
  for (const s of streams) {
    for (const tj of s.matchAll(/\[([^\]]*)\]\s*TJ|<([0-9a-fA-F]*)>\s*Tj/g)) {
      const hexes = tj[1] !== undefined ? [...tj[1].matchAll(/<([0-9a-fA-F]*)>/g)].map((h) => h[1]!) : [tj[2]!];
      pieces.push(hexes.map((h) => Buffer.from(h, 'hex').toString('latin1')).join(''));
    }
  }
  return pieces.join(' ').replace(/\s+/g, ' ');
}

/** Waits until the condition holds, polling; fails after the timeout (never a fixed sleep). */
export async function until(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 15_000,
): Promise<void> {
  const started = Date.now();
  while (!(await condition())) {
    if (Date.now() - started > timeoutMs) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
