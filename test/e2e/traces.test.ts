// OpenTelemetry: one query across subgraphs is one trace, gateway span → subgraph spans → SQL
// statements (local mode) or upstream HTTP calls (upstream mode), with traceparent on the wire.
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { SpanKind, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { DEFAULT_QUERY } from '../../gateway/server.ts';
import { createLogger } from '../../lib/logger.ts';
import { startTelemetry, stopTelemetry } from '../../lib/telemetry.ts';
import { graphql, ok } from '../support/graphql.ts';
import { startStack, type Stack } from '../support/stack.ts';

const exporter = new InMemorySpanExporter();

beforeAll(() => startTelemetry('carbon-test', { exporter }));
afterAll(() => stopTelemetry());

/** The spans of the trace whose root is the gateway's span of the operation, once it has ended. */
async function traceOf(operationName: string): Promise<ReadableSpan[]> {
  for (let i = 0; i < 100; i++) {
    const spans = exporter.getFinishedSpans();
    const root = spans.find(
      (s) =>
        !s.parentSpanContext &&
        s.kind === SpanKind.SERVER &&
        spans.some(
          (c) =>
            c.spanContext().traceId === s.spanContext().traceId &&
            c.attributes['graphql.operation.name'] === operationName &&
            c.name.startsWith('graphql.operation'),
        ),
    );
    if (root) return spans.filter((s) => s.spanContext().traceId === root.spanContext().traceId);
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(
    `no finished trace of ${operationName}: ${exporter
      .getFinishedSpans()
      .map((s) => s.name)
      .join(', ')}`,
  );
}

const parentOf = (spans: ReadableSpan[], span: ReadableSpan) =>
  spans.find((s) => s.spanContext().spanId === span.parentSpanContext?.spanId);

describe.each(['local', 'upstream'] as const)('traces (%s mode)', (mode) => {
  let stack: Stack;
  let spans: ReadableSpan[];
  beforeAll(async () => {
    stack = await startStack(mode);
    exporter.reset();
    ok(
      await graphql(stack.gateway.url, DEFAULT_QUERY, undefined, {
        headers: { 'apollographql-client-name': 'offset-page', 'apollographql-client-version': '1.4.0' },
      }),
    );
    spans = await traceOf('Overview');
  });
  afterAll(() => stack?.stop());

  it('holds the gateway span and a span per subgraph request, each under a gateway span', () => {
    const root = spans.find((s) => !s.parentSpanContext)!;
    expect(root.kind).toBe(SpanKind.SERVER);
    // The client the request named.
    expect(root.attributes).toMatchObject({ 'graphql.client.name': 'offset-page', 'graphql.client.version': '1.4.0' });
    const subgraphSpans = spans.filter((s) => s.name.startsWith('graphql query'));
    const services = new Set(subgraphSpans.map((s) => s.name));
    expect(subgraphSpans.length).toBeGreaterThanOrEqual(3);
    expect(services.size).toBeGreaterThanOrEqual(1);
    for (const span of subgraphSpans) {
      expect(span.kind).toBe(SpanKind.SERVER);
      const parent = parentOf(spans, span)!;
      expect(parent).toBeDefined();
      expect(parent.kind).toBe(SpanKind.CLIENT);
      expect(parent.name.startsWith('graphql query')).toBe(false);
    }
  });

  if (mode === 'local') {
    it('holds the SQL statements under the subgraph spans that ran them', () => {
      const sql = spans.filter((s) => s.name.startsWith('sql '));
      expect(sql.length).toBeGreaterThan(0);
      for (const span of sql) {
        expect(parentOf(spans, span)?.name).toMatch(/^graphql query /);
        expect(String(span.attributes['db.query.text'])).toMatch(/^select /i);
      }
    });
  } else {
    it('holds the upstream HTTP calls under the subgraph spans, and sends their traceparent upstream', () => {
      const http = spans.filter((s) => s.attributes['upstream.name']);
      expect(http.length).toBeGreaterThan(0);
      for (const span of http) {
        expect(span.kind).toBe(SpanKind.CLIENT);
        expect(parentOf(spans, span)?.name).toMatch(/^graphql query /);
      }
      const inventory = http.find((s) => s.name === 'co2trust GET inventory')!;
      expect(inventory).toBeDefined();
      const traceId = inventory.spanContext().traceId;
      const sent = stack.fakes.flatMap((f) => f.calls).map((c) => String(c.headers.traceparent ?? ''));
      expect(sent).toContain(`00-${traceId}-${inventory.spanContext().spanId}-01`);
    });
  }
});

describe('logs', () => {
  it('carry the trace and span id of the active span', () => {
    const lines: string[] = [];
    const log = createLogger(
      'trace-test',
      'info',
      new Writable({
        write(chunk, _enc, cb) {
          lines.push(String(chunk));
          cb();
        },
      }),
    );
    log.info('outside');
    const ids = trace.getTracer('test').startActiveSpan('unit', (span) => {
      log.info('inside');
      span.end();
      return span.spanContext();
    });
    const [outside, inside] = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(outside!.traceId).toBeUndefined();
    expect(inside).toMatchObject({ msg: 'inside', traceId: ids.traceId, spanId: ids.spanId });
  });
});
