// Applies every subgraph's versioned PostgreSQL migrations, then exits: run once before a rollout
// (the Kubernetes Job in deploy/kubernetes/migrate), so replicas start on an up-to-date schema
// instead of racing to migrate it at start.
import { openDatabase } from '../lib/db.ts';
import { orExit, loadConfigOrExit } from '../lib/process.ts';
import { MANIFESTS, loadStackConfig } from '../subgraphs/index.ts';

const config = await loadConfigOrExit(() => loadStackConfig());
if (!config.DATABASE_URL) {
  console.error('migrate: DATABASE_URL is not set (SQLite creates its schema at start; migrations are for PostgreSQL)');
  process.exit(1);
}
for (const { name, database } of MANIFESTS) {
  // Each manifest names its tables and migrations.
  const entities = await database.entities();
  const db = await orExit(() => openDatabase(config, { name, entities, migrationsPath: database.migrations }));
  await db.close();
  console.log(`migrate: ${name} is up to date`);
}
