import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { ConfigError, ENV_VARIABLES, configOf, loadConfig } from '../../lib/config.ts';
import { ROOT } from '../../lib/paths.ts';
import { ALL_VARIABLES, MANIFESTS, loadStackConfig } from '../../subgraphs/index.ts';
import { payments } from '../../subgraphs/payments/manifest.ts';
import { TEST_SECRETS } from '../support/env.ts';

describe('configuration', () => {
  it('applies documented defaults', () => {
    const config = loadStackConfig({ ...TEST_SECRETS });
    expect(config.GATEWAY_PORT).toBe(4000);
    expect(config.portOf('footprints')).toBe(4004);
    expect(config.sourceOf('registry')).toBe('local');
    expect(config.urlOf('payments')).toBe('http://127.0.0.1:4002/graphql');
    expect(config.ICR_API_VERSION).toBe('2023-06-16');
  });

  it('.env.example documents every variable the processes read', () => {
    const documented = readFileSync(join(ROOT, '.env.example'), 'utf8');
    expect(ALL_VARIABLES.length).toBeGreaterThan(ENV_VARIABLES.length + 4 * MANIFESTS.length);
    const missing = ALL_VARIABLES.filter((name) => !new RegExp(`^#? ?${name}=`, 'm').test(documented));
    expect(missing).toEqual([]);
  });

  it('names every invalid variable', () => {
    const attempt = () =>
      loadStackConfig({ ...TEST_SECRETS, GATEWAY_PORT: 'abc', PAYMENTS_SOURCE: 'remote', JWT_SECRET: 'short' });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/GATEWAY_PORT/);
    expect(attempt).toThrow(/PAYMENTS_SOURCE/);
    expect(attempt).toThrow(/JWT_SECRET/);
  });

  it("a subgraph process reads the shared variables, every subgraph's address and its own slice only", () => {
    const config = loadConfig(
      { ...TEST_SECRETS, CO2TRUST_BASE_URL: 'http://co2trust.test:1' },
      MANIFESTS,
      payments.variables,
    );
    expect(config.CO2TRUST_BASE_URL).toBe('http://co2trust.test:1');
    expect(config.urlOf('registry')).toBe('http://127.0.0.1:4003/graphql');
    expect('ICR_BASE_URL' in config).toBe(false);
    expect(() => config.urlOf('unknown')).toThrow(/no subgraph named "unknown"/);
  });

  it("a component's slice names every invalid variable of its own", () => {
    const attempt = () =>
      configOf(payments.variables, { CO2TRUST_BASE_URL: 'ftp://x', CO2TRUST_BY_ID_CONCURRENCY: '0' });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/CO2TRUST_BASE_URL/);
    expect(attempt).toThrow(/CO2TRUST_BY_ID_CONCURRENCY/);
  });

  it('a subgraph whose database cannot be reached exits with one line naming the host, never the password', () => {
    const res = spawnSync(process.execPath, [join(ROOT, 'subgraphs/marketplace/server.ts')], {
      env: {
        ...process.env,
        ...TEST_SECRETS,
        DATABASE_URL: 'postgresql://carbon:hunter2-secret@127.0.0.1:1/carbon',
        MARKETPLACE_PORT: '0',
        LOG_LEVEL: 'silent',
      },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(res.status).toBe(1);
    const lines = res.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('127.0.0.1:1');
    expect(res.stderr + res.stdout).not.toContain('hunter2-secret');
  });
});
