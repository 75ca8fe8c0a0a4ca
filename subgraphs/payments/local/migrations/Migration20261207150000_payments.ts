import { Migration } from '@mikro-orm/migrations';

export class Migration20261207150000_payments extends Migration {
  override name = 'Migration20261207150000_payments';

  override up(): void | Promise<void> {
    this.addSql(
      `create table "payments"."write_journal" ("id" varchar(255) not null, "caller" varchar(255) not null, "operation" varchar(255) not null, "key" varchar(255) not null, "request_hash" varchar(255) not null, "state" varchar(255) not null, "upstream_id" varchar(255) null, "result" text null, "warning" varchar(255) null, "attempts" int not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, primary key ("id"));`,
    );
    this.addSql(
      `alter table "payments"."write_journal" add constraint "write_journal_operation_upstream_id_unique" unique ("operation", "upstream_id");`,
    );
    this.addSql(
      `alter table "payments"."write_journal" add constraint "write_journal_caller_operation_key_unique" unique ("caller", "operation", "key");`,
    );
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "payments"."write_journal" cascade;`);
  }
}
