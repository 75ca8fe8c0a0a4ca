// MikroORM's SQLite driver (better-sqlite3), with every transaction begun `immediate`: it takes the
// database's write lock when it begins, waiting up to the busy timeout (SQLITE_BUSY_TIMEOUT_MS) for
// another connection or process to let go. A transaction begun `deferred` (SQLite's default) that
// reads and then writes asks for the lock mid-way, where SQLite fails at once with SQLITE_BUSY
// rather than wait, since waiting there could deadlock two such transactions.
import type { Configuration, Dictionary } from '@mikro-orm/core';
import { AbstractSqlDriver, MikroORM as SqliteMikroORM, SqliteConnection, SqlitePlatform } from '@mikro-orm/sqlite';
import { CompiledQuery, type DatabaseConnection, type Dialect } from 'kysely';

class ImmediateSqliteConnection extends SqliteConnection {
  override createKyselyDialect(options: Dictionary): Dialect {
    const dialect = super.createKyselyDialect(options);
    return {
      createAdapter: () => dialect.createAdapter(),
      createIntrospector: (db) => dialect.createIntrospector(db),
      createQueryCompiler: () => dialect.createQueryCompiler(),
      createDriver: () => {
        const driver = dialect.createDriver();
        driver.beginTransaction = async (connection: DatabaseConnection) => {
          await connection.executeQuery(CompiledQuery.raw('begin immediate'));
        };
        return driver;
      },
    };
  }
}

export class SqliteImmediateDriver extends AbstractSqlDriver<ImmediateSqliteConnection> {
  constructor(config: Configuration) {
    super(config, new SqlitePlatform(), ImmediateSqliteConnection, ['kysely', 'better-sqlite3']);
  }

  override getORMClass() {
    return SqliteMikroORM;
  }
}
