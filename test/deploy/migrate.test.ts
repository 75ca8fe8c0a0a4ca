// The image's role command and the migration step the Kubernetes Job runs before a rollout.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { SUBGRAPHS } from '../../lib/config.ts';
import { ROOT } from '../../lib/paths.ts';
import { TEST_SECRETS, freshStorage, usingPostgres } from '../support/env.ts';

const run = promisify(execFile);
const role = (args: string[], env: Record<string, string>) =>
  run(join(ROOT, 'scripts', 'role'), args, {
    cwd: ROOT,
    env: { PATH: process.env.PATH!, LOG_LEVEL: 'silent', ...TEST_SECRETS, ...env },
  }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => e,
  );

describe('scripts/role', () => {
  let storage: Awaited<ReturnType<typeof freshStorage>>;
  beforeAll(async () => {
    storage = await freshStorage();
  });
  afterAll(() => storage.drop());

  it('refuses an unknown role with its usage', async () => {
    const result = await role(['nonsense'], storage.env);
    expect(result.code).toBe(64);
    expect(result.stderr).toContain('usage: role gateway|marketplace|payments|registry|footprints|migrate');
  });

  (usingPostgres() ? it : it.skip)(
    'migrate applies every subgraph migration on PostgreSQL and exits, and a second run finds nothing to do (PostgreSQL run only: SQLite has no migrations)',
    async () => {
      for (let i = 0; i < 2; i++) {
        const result = await role(['migrate'], storage.env);
        expect(result.code).toBe(0);
        for (const name of SUBGRAPHS) expect(result.stdout).toContain(`migrate: ${name} is up to date`);
      }
      const client = new pg.Client({ connectionString: storage.env.DATABASE_URL });
      await client.connect();
      try {
        for (const name of SUBGRAPHS) {
          const { rows } = await client.query(`select count(*)::int as n from "${name}".mikro_orm_migrations`);
          expect(rows[0].n).toBeGreaterThan(0);
        }
      } finally {
        await client.end();
      }
    },
    60_000,
  );

  (usingPostgres() ? it.skip : it)(
    'migrate says migrations are for PostgreSQL when DATABASE_URL is not set (SQLite run only: needs DATABASE_URL unset)',
    async () => {
      const result = await role(['migrate'], storage.env);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('DATABASE_URL is not set');
    },
  );
});
