// A subgraph that never answers holds only its own part of a request, and only for the timeout.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { closeServer } from '../../lib/http-server.ts';
import { DEMO } from '../../demo/data.ts';
import { tokenFor } from '../support/env.ts';
import {
  PaymentStatsCountDocument,
  ProductCountDocument,
  ViewerOrderPaymentsDocument,
} from '../__generated__/operations.ts';
import { graphql } from '../support/graphql.ts';
import { startStack, type Stack } from '../support/stack.ts';

const TIMEOUT_MS = 500;

describe('a hung subgraph', () => {
  let stack: Stack;
  let hung: Server;
  let received = 0;
  let abandoned = 0;

  beforeAll(async () => {
    // A stand-in for payments that reads each request and never answers, as a stopped process.
    hung = createServer((req) => {
      received++;
      req.resume();
      req.socket.once('close', () => abandoned++);
    });
    await new Promise<void>((resolve) => hung.listen(0, '127.0.0.1', resolve));
    const port = (hung.address() as AddressInfo).port;
    stack = await startStack('local', {
      PAYMENTS_URL: `http://127.0.0.1:${port}/graphql`,
      GATEWAY_SUBGRAPH_TIMEOUT_MS: String(TIMEOUT_MS),
    });
    // The first request loads the supergraph; the timings below are of a warm gateway.
    await graphql(stack.gateway.url, ProductCountDocument, { first: 1 });
  });
  afterAll(async () => {
    await stack?.stop();
    await closeServer(hung);
  });

  it("times out its part with UPSTREAM_TIMEOUT naming it, nulls up to the nearest nullable field, and answers the other subgraphs' data", async () => {
    const token = await tokenFor(DEMO.users.alice);
    const started = performance.now();
    const res = await graphql(stack.gateway.url, ViewerOrderPaymentsDocument, {}, { token });
    const elapsed = performance.now() - started;
    expect(res.status).toBe(200);
    // Order.payments is non-null: its failure nulls the order, the list, and so `me` (the spec's propagation).
    expect(res.data?.me).toBeNull();
    expect(res.data?.products.totalCount).toBeGreaterThan(0);
    expect(res.errors?.length).toBeGreaterThan(0);
    for (const error of res.errors!) {
      expect(error).toMatchObject({
        message: 'The payments subgraph did not answer in time',
        extensions: { code: 'UPSTREAM_TIMEOUT', serviceName: 'payments' },
      });
    }
    // The bound is the behaviour: the timeout, not the hang (which never ends).
    expect(elapsed).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
    expect(elapsed).toBeLessThan(TIMEOUT_MS + 4000);
    expect(received).toBeGreaterThan(0);
  });

  it('a query that touches only the other subgraphs is not held at all', async () => {
    const res = await graphql(stack.gateway.url, ProductCountDocument, { first: 1 });
    expect(res.errors).toBeUndefined();
    expect(res.data?.products.totalCount).toBeGreaterThan(0);
  });

  it('the timed-out subrequest is abandoned, not left open', async () => {
    const before = abandoned;
    await graphql(stack.gateway.url, PaymentStatsCountDocument);
    for (let i = 0; i < 50 && abandoned === before; i++) await new Promise((r) => setTimeout(r, 20));
    expect(abandoned).toBeGreaterThan(before);
  });
});
