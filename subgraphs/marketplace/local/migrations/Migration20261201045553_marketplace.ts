import { Migration } from '@mikro-orm/migrations';

export class Migration20261201045553_marketplace extends Migration {
  override name = 'Migration20261201045553_marketplace';

  override up(): void | Promise<void> {
    this.addSql(
      `create table "marketplace"."offset_order_journal" ("id" varchar(255) not null, "owner_id" varchar(255) not null, "client_key" varchar(255) null, "lune_key" varchar(255) not null, "request_hash" varchar(255) not null, "state" varchar(255) not null, "lune_order_id" varchar(255) null, "created_at" timestamptz not null, "updated_at" timestamptz not null, primary key ("id"));`,
    );
    this.addSql(
      `alter table "marketplace"."offset_order_journal" add constraint "offset_order_journal_lune_key_unique" unique ("lune_key");`,
    );
    this.addSql(
      `alter table "marketplace"."offset_order_journal" add constraint "offset_order_journal_lune_order_id_unique" unique ("lune_order_id");`,
    );
    this.addSql(
      `create index "offset_order_journal_owner_id_created_at_index" on "marketplace"."offset_order_journal" ("owner_id", "created_at");`,
    );
    this.addSql(
      `alter table "marketplace"."offset_order_journal" add constraint "offset_order_journal_owner_id_client_key_unique" unique ("owner_id", "client_key");`,
    );
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "marketplace"."offset_order_journal" cascade;`);
  }
}
