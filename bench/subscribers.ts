// Concurrent subscribers: N distinct buyers (one token each) follow their own offset order by
// idempotency key over GraphQL over SSE through the gateway (local mode, the stack in one process,
// SQLite in a temp folder or a fresh PostgreSQL database when DATABASE_URL is set). It prints how
// long the N streams took to open (each to its first event), the latency of the event an order
// placement causes for its buyer while every other stream stays open, the events delivered, and the
// process's RSS idle and with every stream open.
//   node bench/subscribers.ts [--subscribers 1000]
import { signToken } from '../lib/auth.ts';
import { startStack } from '../test/support/stack.ts';
import { TEST_SECRETS } from '../test/support/env.ts';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const subscribers = arg('subscribers', 1000);

const PROGRESS = 'subscription($key: String) { offsetOrderProgress(idempotencyKey: $key) { step } }';
const ORDER =
  'mutation($input: CreateOffsetOrderByMassInput!) { createOffsetOrderByMass(input: $input) { userErrors { code } } }';

interface Stream {
  /** Resolves with each event's step, in order. */
  steps: string[];
  waitFor(count: number): Promise<void>;
  close(): void;
}

async function open(url: string, token: string, key: string): Promise<Stream> {
  const abort = new AbortController();
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: PROGRESS, variables: { key } }),
    signal: abort.signal,
  });
  const steps: string[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  void (async () => {
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const chunk = await reader.read().catch(() => ({ done: true as const, value: undefined }));
      if (chunk.done) return;
      buffer += chunk.value;
      for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
        const data = buffer
          .slice(0, end)
          .split('\n')
          .find((l) => l.startsWith('data: {'));
        buffer = buffer.slice(end + 2);
        if (!data) continue;
        const result = JSON.parse(data.slice(6)) as { data?: { offsetOrderProgress?: { step: string } } };
        steps.push(result.data?.offsetOrderProgress?.step ?? 'ERROR');
        for (const w of waiters.filter((w) => steps.length >= w.count)) w.resolve();
      }
    }
  })();
  return {
    steps,
    waitFor: (count) =>
      steps.length >= count ? Promise.resolve() : new Promise((resolve) => waiters.push({ count, resolve })),
    close: () => abort.abort(),
  };
}

const mb = () => Math.round(process.memoryUsage().rss / 1e6);
const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

const stack = await startStack('local', { SUBSCRIPTIONS_MAX_PER_PROCESS: String(subscribers + 100) });
try {
  const idleRss = mb();
  const tokens = await Promise.all(
    Array.from({ length: subscribers }, (_, i) =>
      signToken(
        { id: `bench-buyer-${i}`, email: `bench-${i}@example.test`, name: null, role: 'USER' },
        TEST_SECRETS.JWT_SECRET,
        3600,
      ).then((t) => t.token),
    ),
  );
  const started = performance.now();
  const opened: number[] = [];
  const streams = await Promise.all(
    tokens.map(async (token, i) => {
      const t0 = performance.now();
      const stream = await open(stack.gateway.url, token, `bench-${i}`);
      await stream.waitFor(1);
      opened.push(performance.now() - t0);
      return stream;
    }),
  );
  const openMs = performance.now() - started;
  const openRss = mb();
  opened.sort((a, b) => a - b);

  // One order, by the first buyer: every stream hears the change; only its buyer's gets an event.
  const t0 = performance.now();
  const placed = await fetch(stack.gateway.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens[0]}` },
    body: JSON.stringify({
      query: ORDER,
      variables: { input: { mass: { amount: '1', unit: 'T' }, idempotencyKey: 'bench-0' } },
    }),
  });
  await placed.text();
  await streams[0]!.waitFor(2);
  const eventMs = performance.now() - t0;
  const delivered = streams.reduce((n, s) => n + s.steps.length, 0);
  const errors = streams.reduce((n, s) => n + s.steps.filter((x) => x === 'ERROR').length, 0);

  console.log(
    JSON.stringify(
      {
        subscribers,
        openAllMs: Math.round(openMs),
        openP50Ms: Math.round(percentile(opened, 50)),
        openP99Ms: Math.round(percentile(opened, 99)),
        orderEventMs: Math.round(eventMs),
        eventsDelivered: delivered,
        errors,
        rssIdleMb: idleRss,
        rssOpenMb: openRss,
      },
      null,
      2,
    ),
  );
  for (const s of streams) s.close();
} finally {
  await stack.stop();
}
