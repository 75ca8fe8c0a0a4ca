// Writes the next versioned PostgreSQL migration of a subgraph from its entities:
//   node scripts/migration-create.ts <subgraph>
// It applies the existing migrations to a scratch database, diffs the entities against it and
// writes the difference to subgraphs/<subgraph>/local/migrations. Needs the PostgreSQL server of
// ADMIN_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/postgres).
import { randomBytes } from 'node:crypto';
import { join, relative } from 'node:path';
import pg from 'pg';
import { openDatabase } from '../lib/db.ts';
import { ROOT } from '../lib/paths.ts';
import { MANIFESTS, SUBGRAPHS } from '../subgraphs/index.ts';

const name = process.argv[2];
const manifest = MANIFESTS.find((m) => m.name === name);
if (!name || !manifest) {
  console.error(`usage: node scripts/migration-create.ts <${SUBGRAPHS.join('|')}>`);
  process.exit(2);
}
const admin = process.env.ADMIN_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const scratch = `carbon_migration_${randomBytes(4).toString('hex')}`;
const run = async (sql: string) => {
  const c = new pg.Client({ connectionString: admin });
  await c.connect();
  await c.query(sql);
  await c.end();
};
await run(`create database ${scratch}`);
try {
  const url = new URL(admin);
  url.pathname = `/${scratch}`;
  // The manifest names the subgraph's tables and migrations.
  const entities = await manifest.database.entities();
  const migrationsPath = manifest.database.migrations;
  const db = await openDatabase({ DATABASE_URL: url.toString(), dataDir: '/tmp' }, { name, entities, migrationsPath });
  const result = await db.orm.migrator.create(migrationsPath, false, false, name);
  console.log(
    result.fileName
      ? `wrote ${relative(ROOT, join(migrationsPath, result.fileName))}`
      : 'schema is up to date: no migration written',
  );
  await db.close();
} finally {
  await run(`drop database if exists ${scratch} with (force)`);
}
