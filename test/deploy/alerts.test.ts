// The starting alerting rules: well-formed, one for each failure an operator must hear about, and
// every metric they read is one docs/operations.md documents (and the services export).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';
import { ROOT } from '../../lib/paths.ts';

interface Rule {
  alert: string;
  expr: string;
  for: string;
  labels: { severity: string };
  annotations: { summary: string };
}

const rules = (
  parse(readFileSync(join(ROOT, 'deploy/prometheus/alerts.yaml'), 'utf8')) as { groups: { rules: Rule[] }[] }
).groups.flatMap((g) => g.rules);
const readme = readFileSync(join(ROOT, 'docs/operations.md'), 'utf8');
const documented = new Set([...readme.matchAll(/^\| `(\w+)` \|/gm)].map((m) => m[1]!));

/** Metric names an expression reads: words with an underscore not followed by `(` (functions are). */
function metricsOf(expr: string): string[] {
  const withoutStrings = expr
    .replace(/"[^"]*"/g, '""')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\[[^\]]*\]/g, '');
  return [...withoutStrings.matchAll(/\b([a-z_][a-z0-9_]*)\b(?!\s*\()/g)]
    .map((m) => m[1]!)
    .filter((name) => name.includes('_'));
}

describe('deploy/prometheus/alerts.yaml', () => {
  it('covers errors, latency, a subgraph down, the outbox age and an open breaker', () => {
    expect(rules.map((r) => r.alert)).toEqual(
      expect.arrayContaining([
        'GatewayErrorRatioHigh',
        'GatewayLatencyP99High',
        'SubgraphDown',
        'ServiceOutboxBacklogOld',
        'UpstreamCircuitOpen',
      ]),
    );
  });

  it('gives every rule an expression, a duration, a severity and a summary', () => {
    for (const rule of rules) {
      expect(rule).toMatchObject({
        expr: expect.any(String),
        for: expect.stringMatching(/^\d+[smh]$/),
        labels: { severity: expect.stringMatching(/^(page|warn)$/) },
        annotations: { summary: expect.any(String) },
      });
    }
  });

  it('reads only metrics docs/operations.md documents', () => {
    expect(new Set(rules.flatMap((r) => metricsOf(r.expr)))).toContain('service_outbox_oldest_age_seconds');
    for (const rule of rules) {
      for (const name of metricsOf(rule.expr)) {
        const base = name.replace(/_(bucket|sum|count)$/, '');
        expect({
          rule: rule.alert,
          metric: documented.has(name) || documented.has(base) ? 'documented' : name,
        }).toEqual({ rule: rule.alert, metric: 'documented' });
      }
    }
  });
});
