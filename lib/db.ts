import { chmodSync, closeSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { MikroORM, type Options } from '@mikro-orm/core';
import { Migrator } from '@mikro-orm/migrations';
import { PostgreSqlDriver } from '@mikro-orm/postgresql';
import type { SqlEntityManager } from '@mikro-orm/sql';
import { SqliteDriver } from '@mikro-orm/sqlite';
import type { Config, SubgraphName } from './config.ts';
import { watchDatabasePool } from './metrics.ts';
import { traceSqlStatement } from './telemetry.ts';

export type EntityManager = SqlEntityManager;

/** Counts SQL statements; tests use it to prove that a query is batched (no N+1). */
export class QueryCounter {
  count = 0;
  reset(): void {
    this.count = 0;
  }
}

export interface Database {
  orm: MikroORM;
  kind: 'sqlite' | 'postgresql';
  /** Where the data lives, without credentials: a file path or host/database/schema. */
  location: string;
  queries: QueryCounter;
  /** A fresh EntityManager for one request or one unit of work. */
  fork(): EntityManager;
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

export class DatabaseUnavailableError extends Error {}

/** The host (and port) of a database URL, never its credentials. */
export function describeDatabaseUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}${u.port ? `:${u.port}` : ''}${u.pathname}`;
  } catch {
    return '(unparseable DATABASE_URL)';
  }
}

export interface OpenDatabaseOptions {
  name: SubgraphName;
  entities: readonly object[];
  /** Folder of the versioned PostgreSQL migrations of this subgraph. */
  migrationsPath: string;
}

/**
 * Opens a subgraph's own database: one SQLite file under DATA_DIR (schema created on first start),
 * or one PostgreSQL schema per subgraph when DATABASE_URL is set (versioned migrations applied).
 */
export async function openDatabase(
  config: Pick<Config, 'DATABASE_URL' | 'dataDir'> & Partial<Pick<Config, 'SQLITE_BUSY_TIMEOUT_MS'>>,
  opts: OpenDatabaseOptions,
): Promise<Database> {
  const queries = new QueryCounter();
  const common: Partial<Options> = {
    entities: opts.entities as Options['entities'],
    extensions: [Migrator],
    allowGlobalContext: false,
    forceUtcTimezone: true,
    onQuery: (sql: string) => {
      queries.count++;
      traceSqlStatement(config.DATABASE_URL ? 'postgresql' : 'sqlite', sql);
      return sql;
    },
    migrations: {
      path: opts.migrationsPath,
      glob: '!(*.d).{js,ts}',
      tableName: 'mikro_orm_migrations',
      transactional: true,
      allOrNothing: true,
      snapshot: false,
      emit: 'ts',
    },
  };
  const pg = config.DATABASE_URL;
  let orm: MikroORM;
  let location: string;
  try {
    if (pg) {
      location = `${describeDatabaseUrl(pg)} schema ${opts.name}`;
      orm = await MikroORM.init({ ...common, driver: PostgreSqlDriver, clientUrl: pg, schema: opts.name, pool: { min: 0, max: 10 } } as Options);
      await orm.em.getConnection().execute(`create schema if not exists "${opts.name}"`);
      await orm.migrator.up();
      watchDatabasePool(opts.name, await (orm.em.getConnection() as unknown as { getNativeClient(): Promise<{ totalCount: number; idleCount: number; waitingCount: number }> }).getNativeClient());
    } else {
      location = createPrivateFile(config.dataDir, `${opts.name}.sqlite`);
      orm = await MikroORM.init({
        ...common,
        driver: SqliteDriver,
        dbName: location,
        // better-sqlite3's own busy handler: a write waits this long for a lock held elsewhere.
        driverOptions: { timeout: config.SQLITE_BUSY_TIMEOUT_MS ?? 5_000 },
      } as Options);
      // Stored in the file, so it holds for every later connection: readers never block the writer.
      await orm.em.getConnection().execute('pragma journal_mode = wal');
      await orm.schema.update();
    }
  } catch (error) {
    const where = pg ? describeDatabaseUrl(pg) : join(config.dataDir, `${opts.name}.sqlite`);
    const reason = error instanceof Error ? error.message.split('\n')[0]!.replaceAll(pg ?? '\u0000', '[DATABASE_URL]') : String(error);
    throw new DatabaseUnavailableError(`${opts.name}: cannot open database at ${where}: ${redactUrls(reason)}`);
  }
  return {
    orm,
    kind: pg ? 'postgresql' : 'sqlite',
    location,
    queries,
    fork: () => orm.em.fork() as EntityManager,
    async ping() {
      try {
        await orm.em.getConnection().execute('select 1');
        return true;
      } catch {
        return false;
      }
    },
    close: () => orm.close(true),
  };
}

/**
 * A file only its owner may read, in a folder only its owner may enter (created so; an existing
 * folder is left as it is, an existing file is narrowed). SQLite gives its -wal and -shm files the
 * mode of the database file.
 */
export function createPrivateFile(dir: string, name: string): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, name);
  closeSync(openSync(path, 'a', 0o600));
  chmodSync(path, 0o600);
  return path;
}

/** Strips credentials from any URL inside a message. */
export function redactUrls(message: string): string {
  return message.replace(/(\w+:\/\/)[^@/\s]+@/g, '$1[redacted]@');
}
