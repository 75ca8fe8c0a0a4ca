// The gateway's Prometheus metrics (Hive Gateway's plugin), apart from lib/metrics.ts so the
// subgraphs, which count their own with prom-client, do not load the plugin.
import type { Logger as GatewayLogger } from '@graphql-hive/logger';
import usePrometheus, { createCounter } from '@graphql-mesh/plugin-prometheus';
import { LATENCY_BUCKETS, type Registry } from '../lib/metrics.ts';
import { NO_CLIENT } from './client-identity.ts';

/**
 * The gateway's metrics (Hive Gateway's Prometheus plugin), served on GET /metrics: requests by
 * operation name and client, errors by code and latency by operation name, and each subgraph's
 * fetch latency and errors. `clientOf` gives a request's client label (a bounded set of names).
 */
export function gatewayMetricsPlugin(
  log: GatewayLogger,
  registry: Registry,
  clientOf: (request: Request) => { label: string },
) {
  return usePrometheus({
    log,
    registry,
    endpoint: '/metrics',
    metrics: {
      graphql_envelop_request: createCounter({
        registry,
        counter: {
          name: 'graphql_envelop_request',
          help: 'GraphQL operations the gateway executed, by operation and client',
          labelNames: ['operationName', 'operationType', 'client'],
        },
        fillLabelsFn: (params, context: { request?: Request }) => ({
          operationName: params.operationName ?? 'Anonymous',
          operationType: params.operationType ?? 'unknown',
          client: context?.request ? clientOf(context.request).label : NO_CLIENT,
        }),
      }),
      graphql_envelop_request_duration: LATENCY_BUCKETS as [number, ...number[]],
      // By code rather than by response path: bounded, and what an alert is about.
      graphql_envelop_error_result: createCounter({
        registry,
        counter: {
          name: 'graphql_envelop_error_result',
          help: 'GraphQL errors the gateway answered, by operation, phase and error code',
          labelNames: ['operationName', 'operationType', 'phase', 'code'],
        },
        fillLabelsFn: (params) => {
          const error = params.error as { extensions?: Record<string, unknown> } | undefined;
          const code = error?.extensions?.code;
          return {
            operationName: params.operationName ?? 'Anonymous',
            operationType: params.operationType ?? 'unknown',
            phase: params.errorPhase ?? 'execute',
            code: typeof code === 'string' ? code : 'INTERNAL_SERVER_ERROR',
          };
        },
      }),
      graphql_gateway_subgraph_execute_duration: LATENCY_BUCKETS as [number, ...number[]],
      graphql_gateway_subgraph_execute_errors: true,
      graphql_gateway_fetch_duration: true,
      // The plugin's other series are off: each costs work on every request (its deprecated-field
      // counter walks every document with the schema, the summary keeps a t-digest). Deprecated
      // fields are counted by deprecated-fields.ts instead, once per document.
      graphql_envelop_deprecated_field: false,
      graphql_envelop_request_time_summary: false,
      graphql_envelop_phase_parse: false,
      graphql_envelop_phase_validate: false,
      graphql_envelop_phase_context: false,
      graphql_envelop_phase_execute: false,
      graphql_envelop_phase_subscribe: false,
      graphql_envelop_schema_change: false,
      graphql_yoga_http_duration: false,
    },
  });
}
