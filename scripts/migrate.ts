// Applies every subgraph's versioned PostgreSQL migrations, then exits: run once before a rollout
// (the Kubernetes Job in deploy/kubernetes/migrate), so replicas start on an up-to-date schema
// instead of racing to migrate it at start.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { SUBGRAPHS } from '../lib/config.ts';
import { openDatabase } from '../lib/db.ts';
import { orExit, loadConfigOrExit } from '../lib/process.ts';
import { ROOT } from '../lib/paths.ts';

const config = await loadConfigOrExit();
if (!config.DATABASE_URL) {
  console.error('migrate: DATABASE_URL is not set (SQLite creates its schema at start; migrations are for PostgreSQL)');
  process.exit(1);
}
for (const name of SUBGRAPHS) {
  // A subgraph made of modules lists its tables in its own entities.ts; the others in local/.
  const list = existsSync(join(ROOT, 'subgraphs', name, 'entities.ts')) ? 'entities.ts' : 'local/entities.ts';
  const { entities } = (await import(`../subgraphs/${name}/${list}`)) as { entities: readonly object[] };
  const db = await orExit(() =>
    openDatabase(config, { name, entities, migrationsPath: join(ROOT, 'subgraphs', name, 'local', 'migrations') }),
  );
  await db.close();
  console.log(`migrate: ${name} is up to date`);
}
