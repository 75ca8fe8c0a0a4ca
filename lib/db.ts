import { createHash } from 'node:crypto';
import { chmodSync, closeSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { MikroORM, type Options } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/sql';
import type BetterSqlite3 from 'better-sqlite3';
import type { Pool } from 'pg';
import type { Config } from './config.ts';
import { watchDatabasePool } from './metrics.ts';
import { traceSqlStatement } from './telemetry.ts';

export type EntityManager = SqlEntityManager;

/** Counts SQL statements; tests use it to prove that a query is batched (no N+1). */
export class QueryCounter {
  /** Every statement: plain-row reads and the ORM's. */
  count = 0;
  /** The statements the ORM sent (its unit of work: writes, and reads not yet on plain rows). */
  throughOrm = 0;
  reset(): void {
    this.count = 0;
    this.throughOrm = 0;
  }
}

export interface Database {
  orm: MikroORM;
  kind: 'sqlite' | 'postgresql';
  /** Where the data lives, without credentials: a file path or host/database/schema. */
  location: string;
  queries: QueryCounter;
  /**
   * Runs one read-only SELECT (`?` placeholders) on a statement prepared once per SQL text and
   * returns plain rows (integers as bigint on SQLite). It reads committed data only: SQLite reads
   * through a read-only connection of its own, PostgreSQL through named prepared statements.
   */
  select<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /** A table's quoted name for `select`, qualified by the subgraph's schema on PostgreSQL. */
  table(name: string): string;
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
  name: string;
  entities: readonly object[];
  /** Folder of the versioned PostgreSQL migrations of this subgraph. */
  migrationsPath: string;
}

type DatabaseConfig = Pick<Config, 'DATABASE_URL' | 'dataDir'> & Partial<Pick<Config, 'SQLITE_BUSY_TIMEOUT_MS'>>;

/** MikroORM's options both databases share: the entities, the statement counter and the migrations. */
function commonOptions(config: DatabaseConfig, opts: OpenDatabaseOptions, queries: QueryCounter): Partial<Options> {
  return {
    entities: opts.entities as Options['entities'],
    allowGlobalContext: false,
    forceUtcTimezone: true,
    onQuery: (sql: string) => {
      queries.count++;
      queries.throughOrm++;
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
      // The migrator would print every migration it processes and applies on the console; a
      // database that is migrated is reported by its caller (the migrate job, the health check).
      silent: true,
    },
  };
}

/** The subgraph's PostgreSQL schema, its migrations applied (one replica at a time). */
async function openPostgres(url: string, opts: OpenDatabaseOptions, common: Partial<Options>): Promise<MikroORM> {
  const [{ PostgreSqlDriver }, { Migrator }] = await Promise.all([
    import('@mikro-orm/postgresql'),
    import('@mikro-orm/migrations'),
  ]);
  const orm = await MikroORM.init({
    ...common,
    extensions: [Migrator],
    driver: PostgreSqlDriver,
    clientUrl: url,
    schema: opts.name,
    pool: { min: 0, max: 10 },
  } as Options);
  // Replicas starting at once would race to create the schema and its migrations table: one
  // migrates while the others wait on a lock of the database (released with the transaction).
  await (orm.em.fork() as EntityManager).transactional(async (em) => {
    await em.execute('select pg_advisory_xact_lock(hashtext(?))', [`carbon-federation migrations ${opts.name}`]);
    await orm.em.getConnection().execute(`create schema if not exists "${opts.name}"`);
    await orm.migrator.up();
  });
  watchDatabasePool(
    opts.name,
    await (
      orm.em.getConnection() as unknown as {
        getNativeClient(): Promise<{ totalCount: number; idleCount: number; waitingCount: number }>;
      }
    ).getNativeClient(),
  );
  return orm;
}

/** The subgraph's SQLite file (0600) in WAL mode, its schema created or updated from the entities. */
async function openSqlite(location: string, config: DatabaseConfig, common: Partial<Options>): Promise<MikroORM> {
  const [{ SqliteImmediateDriver }, { Migrator }] = await Promise.all([
    import('./sqlite-driver.ts'),
    import('@mikro-orm/migrations'),
  ]);
  const orm = await MikroORM.init({
    ...common,
    extensions: [Migrator],
    // Write transactions take the write lock when they begin, so the busy timeout applies to every write.
    driver: SqliteImmediateDriver,
    dbName: location,
    // better-sqlite3's own busy handler: a write waits this long for a lock held elsewhere.
    driverOptions: { timeout: config.SQLITE_BUSY_TIMEOUT_MS ?? 5_000 },
  } as Options);
  // Stored in the file, so it holds for every later connection: readers never block the writer.
  await orm.em.getConnection().execute('pragma journal_mode = wal');
  await orm.schema.update();
  return orm;
}

/**
 * Opens a subgraph's own database: one SQLite file under DATA_DIR (schema created on first start),
 * or one PostgreSQL schema per subgraph when DATABASE_URL is set (versioned migrations applied).
 */
export async function openDatabase(config: DatabaseConfig, opts: OpenDatabaseOptions): Promise<Database> {
  const queries = new QueryCounter();
  const common = commonOptions(config, opts, queries);
  const pg = config.DATABASE_URL;
  let orm: MikroORM;
  let location: string;
  try {
    // Each process loads only the driver it uses. The migrator is given on both: MikroORM otherwise
    // imports it by package name whenever it is installed, which in the servers' build loads a
    // second copy of MikroORM and Kysely from node_modules (about 8 MB of idle memory).
    if (pg) {
      location = `${describeDatabaseUrl(pg)} schema ${opts.name}`;
      orm = await openPostgres(pg, opts, common);
    } else {
      location = createPrivateFile(config.dataDir, `${opts.name}.sqlite`);
      orm = await openSqlite(location, config, common);
    }
  } catch (error) {
    const where = pg ? describeDatabaseUrl(pg) : join(config.dataDir, `${opts.name}.sqlite`);
    const reason =
      error instanceof Error
        ? error.message.split('\n')[0]!.replaceAll(pg ?? '\u0000', '[DATABASE_URL]')
        : String(error);
    throw new DatabaseUnavailableError(`${opts.name}: cannot open database at ${where}: ${redactUrls(reason)}`);
  }
  return databaseOf(orm, pg, location, opts.name, queries);
}

/** The Database over an opened ORM: counted reads, per-subgraph table names, ping and close. */
async function databaseOf(
  orm: MikroORM,
  pg: string | undefined,
  location: string,
  name: string,
  queries: QueryCounter,
): Promise<Database> {
  const select = pg ? postgresSelect((await orm.em.getConnection().getNativeClient()) as Pool) : sqliteSelect(location);
  return {
    orm,
    kind: pg ? 'postgresql' : 'sqlite',
    location,
    queries,
    select: (sql, params = []) => {
      queries.count++;
      traceSqlStatement(pg ? 'postgresql' : 'sqlite', sql);
      return select(sql, params) as never;
    },
    table: (table) => (pg ? `"${name}"."${table}"` : `"${table}"`),
    fork: () => orm.em.fork() as EntityManager,
    async ping() {
      try {
        await orm.em.getConnection().execute('select 1');
        return true;
      } catch {
        return false;
      }
    },
    close: async () => {
      select.close();
      await orm.close(true);
    },
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

/** Prepared statements kept per SQL text; beyond this many distinct texts the cache starts again. */
const STATEMENT_CACHE_SIZE = 500;

type Select = ((sql: string, params: readonly unknown[]) => Promise<unknown[]>) & { close(): void };

/** A read-only connection (WAL: it sees committed data, never another request's open transaction). */
function sqliteSelect(file: string): Select {
  let db: BetterSqlite3.Database | undefined;
  const statements = new Map<string, BetterSqlite3.Statement>();
  const select = async (sql: string, params: readonly unknown[]) => {
    if (!db) {
      const { default: Sqlite } = await import('better-sqlite3');
      db ??= new Sqlite(file, { readonly: true, fileMustExist: true });
    }
    let statement = statements.get(sql);
    if (!statement) {
      if (statements.size >= STATEMENT_CACHE_SIZE) statements.clear();
      statement = db.prepare(sql).safeIntegers(true);
      statements.set(sql, statement);
    }
    // Dates are stored as epoch milliseconds (as the ORM writes them).
    return statement.all(...params.map((p) => (p instanceof Date ? p.getTime() : p)));
  };
  return Object.assign(select, { close: () => db?.close() });
}

/** Named prepared statements: each pooled connection parses and plans a SQL text once. */
function postgresSelect(pool: Pool): Select {
  const names = new Map<string, string>();
  const select = async (sql: string, params: readonly unknown[]) => {
    let name = names.get(sql);
    if (!name) {
      if (names.size >= STATEMENT_CACHE_SIZE) names.clear();
      name = `read_${names.size}_${createHash('sha1').update(sql).digest('hex').slice(0, 12)}`;
      names.set(sql, name);
    }
    let n = 0;
    const text = sql.replace(/\?/g, () => `$${++n}`);
    return (await pool.query({ name, text, values: params as unknown[] })).rows;
  };
  return Object.assign(select, { close: () => {} });
}

/** Strips credentials from any URL inside a message. */
export function redactUrls(message: string): string {
  return message.replace(/(\w+:\/\/)[^@/\s]+@/g, '$1[redacted]@');
}
