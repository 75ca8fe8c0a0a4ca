// OpenTelemetry traces: off unless OTEL_EXPORTER_OTLP_ENDPOINT is set (then spans leave over OTLP
// HTTP) or a test passes an exporter. While off, every helper here is a plain call with no span,
// no context and no header. W3C `traceparent` carries a trace from the gateway to the subgraphs
// and from a subgraph to its upstreams.
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { SpanKind, SpanStatusCode, context, propagation, trace, type Span } from '@opentelemetry/api';
import type { BasicTracerProvider, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { recordUpstreamCall } from './metrics.ts';

const TRACER = 'carbon-federation';
let provider: BasicTracerProvider | null = null;

export const tracingEnabled = () => provider !== null;

/**
 * Starts tracing for this process when `OTEL_EXPORTER_OTLP_ENDPOINT` is set (or `exporter` is
 * given, spans then export one by one); answers whether tracing is on.
 */
export async function startTelemetry(
  service: string,
  opts: { exporter?: SpanExporter; endpoint?: string } = {},
): Promise<boolean> {
  if (provider) return true;
  const endpoint = opts.endpoint ?? process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (!endpoint && !opts.exporter) return false;
  // The SDK is loaded only when tracing is on: a process without it never holds it in memory.
  const [
    { AsyncLocalStorageContextManager },
    { W3CTraceContextPropagator },
    { resourceFromAttributes },
    { BasicTracerProvider, BatchSpanProcessor, SimpleSpanProcessor },
  ] = await Promise.all([
    import('@opentelemetry/context-async-hooks'),
    import('@opentelemetry/core'),
    import('@opentelemetry/resources'),
    import('@opentelemetry/sdk-trace-base'),
  ]);
  const processor = opts.exporter
    ? new SimpleSpanProcessor(opts.exporter)
    : new BatchSpanProcessor(new (await import('@opentelemetry/exporter-trace-otlp-http')).OTLPTraceExporter());
  provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': service }),
    spanProcessors: [processor],
  });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider);
  return true;
}

/** Exports what is buffered and stops tracing (at shutdown, and between tests). */
export async function stopTelemetry(): Promise<void> {
  if (!provider) return;
  await provider.shutdown();
  provider = null;
  trace.disable();
  context.disable();
  propagation.disable();
}

const tracer = () => trace.getTracer(TRACER);

/** The trace and span ids of the active span, for every log line (pino mixin); nothing when off. */
export function traceFields(): { traceId?: string; spanId?: string } {
  if (!provider) return {};
  const span = trace.getActiveSpan()?.spanContext();
  return span ? { traceId: span.traceId, spanId: span.spanId } : {};
}

/** Runs a node:http handler inside a server span that continues the caller's `traceparent`. */
export function tracedHandler(
  service: string,
  handler: (req: IncomingMessage, res: ServerResponse) => Promise<unknown>,
) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (!provider) return void (await handler(req, res));
    const parent = propagation.extract(context.active(), req.headers as IncomingHttpHeaders);
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    return tracer().startActiveSpan(
      `${service} ${req.method} ${path}`,
      { kind: SpanKind.SERVER, attributes: { 'http.request.method': req.method, 'url.path': path } },
      parent,
      async (span) => {
        try {
          await handler(req, res);
        } finally {
          span.setAttribute('http.response.status_code', res.statusCode);
          if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
          span.end();
        }
      },
    );
  };
}

/** Names a subgraph's server span after the GraphQL operation it answers. */
export function operationSpanPlugin<C extends BaseContext>(): ApolloServerPlugin<C> {
  return {
    async requestDidStart() {
      if (!provider) return;
      const span = trace.getActiveSpan();
      return {
        async didResolveOperation({ operation, operationName }) {
          const name = operationName ?? 'Anonymous';
          const type = operation?.operation ?? 'unknown';
          span?.updateName(`graphql ${type} ${name}`);
          span?.setAttributes({ 'graphql.operation.type': type, 'graphql.operation.name': name });
        },
      };
    },
  };
}

/**
 * One span per SQL statement, from the ORM's query hook (which sees a statement before it runs,
 * not when it ends: the span marks the statement and its text with placeholders, not its duration).
 */
export function traceSqlStatement(system: string, sql: string): void {
  if (!provider) return;
  const verb = /^\s*(\w+)/.exec(sql)?.[1]?.toLowerCase() ?? 'sql';
  tracer()
    .startSpan(`sql ${verb}`, {
      kind: SpanKind.CLIENT,
      attributes: { 'db.system.name': system, 'db.query.text': sql.slice(0, 2000) },
    })
    .end();
}

/**
 * Starts one upstream HTTP call: a client span (its `traceparent` is added to `headers`) and the
 * metrics; the answer is `done(status)`, `status` null when the upstream did not answer.
 */
export function upstreamCallStarted(
  upstream: string,
  route: string,
  method: string,
  headers: Record<string, string>,
): (status: number | null) => void {
  const started = performance.now();
  let span: Span | undefined;
  if (provider) {
    span = tracer().startSpan(`${upstream} ${method} ${route}`, {
      kind: SpanKind.CLIENT,
      attributes: { 'http.request.method': method, 'upstream.name': upstream, 'http.route': route },
    });
    propagation.inject(trace.setSpan(context.active(), span), headers);
  }
  return (status) => {
    recordUpstreamCall(upstream, route, method, status, (performance.now() - started) / 1000);
    if (!span) return;
    if (status !== null) span.setAttribute('http.response.status_code', status);
    if (status === null || status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
  };
}
