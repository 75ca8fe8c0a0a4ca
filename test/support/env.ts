// Test configuration: fixed secrets, a fresh data folder, and a fresh PostgreSQL database per
// suite when DATABASE_URL is set (the CI runs every suite on SQLite and again on PostgreSQL).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { signToken, type Role } from '../../lib/auth.ts';
import { SUBGRAPHS, loadConfig, type Config } from '../../lib/config.ts';

export const TEST_SECRETS = {
  JWT_SECRET: 'test-jwt-secret-0123456789abcdefghijklmnopqrstuvwxyz',
  BACKEND_SECRET_KEY: 'test-backend-secret-0123456789abcdefghijklmnopqrstuv',
  SERVICE_TOKEN: 'test-service-token-0123456789abcdefghijklmnopqrstuvw',
  GATEWAY_SIGNING_KEYS: 'test-1:test-gateway-signing-key-0123456789abcdefghijklmn',
};

/** The key the test gateway signs with: test requests to a subgraph are signed with it as the gateway would sign them. */
export const TEST_SIGNING_KEY = { id: 'test-1', secret: 'test-gateway-signing-key-0123456789abcdefghijklmn' };

export const MODES = ['local', 'upstream'] as const;
export type Mode = (typeof MODES)[number];

export const usingPostgres = () => Boolean(process.env.DATABASE_URL);

/** A database of its own for one suite: a temp folder (SQLite) or a new PostgreSQL database. */
export async function freshStorage(): Promise<{ env: Record<string, string>; drop(): Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'carbon-test-'));
  const base = process.env.DATABASE_URL;
  if (!base) {
    return { env: { DATA_DIR: dataDir }, drop: async () => rmSync(dataDir, { recursive: true, force: true }) };
  }
  const name = `carbon_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    env: { DATA_DIR: dataDir, DATABASE_URL: url.toString() },
    async drop() {
      rmSync(dataDir, { recursive: true, force: true });
      const c = new pg.Client({ connectionString: base });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

/** Config as the processes would load it, from test defaults plus overrides. */
export function testConfig(env: Record<string, string | undefined> = {}): Config {
  // A subgraph a suite does not start is unreachable (port 9, discard), never a stack that happens
  // to run on the default ports of this machine.
  const absent = Object.fromEntries(
    SUBGRAPHS.filter((n) => !env[`${n.toUpperCase()}_URL`] && !env[`${n.toUpperCase()}_PORT`]).map((n) => [
      `${n.toUpperCase()}_URL`,
      'http://127.0.0.1:9/graphql',
    ]),
  );
  return loadConfig({
    // Servers write to the suite's log file (test/support/server-log.ts), printed when a test fails.
    LOG_LEVEL: process.env.TEST_SERVER_LOG ? 'info' : 'silent',
    HOST: '127.0.0.1',
    ...TEST_SECRETS,
    DATABASE_URL: undefined,
    ...absent,
    ...env,
  } as NodeJS.ProcessEnv);
}

/** A signed access token for a user, as `authenticate` would issue. */
export async function tokenFor(
  user: { id: string; email: string; role: Role; name?: string },
  opts: { ttlSeconds?: number; upstreamToken?: string } = {},
) {
  const { token } = await signToken(
    { ...user, upstreamToken: opts.upstreamToken },
    TEST_SECRETS.JWT_SECRET,
    opts.ttlSeconds ?? 3600,
  );
  return token;
}
