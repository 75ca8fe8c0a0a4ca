import { Migration } from '@mikro-orm/migrations';

export class Migration20261201045240_marketplace extends Migration {
  override name = 'Migration20261201045240_marketplace';

  override up(): void | Promise<void> {
    this.addSql(
      `create table "marketplace"."offset_pool_retirements" ("id" varchar(255) not null, "project_id" varchar(255) not null, "project_name" varchar(255) not null, "sequence" int not null, "name" varchar(255) not null, "start_gram" bigint not null, "end_gram" bigint not null, "created_at" timestamptz not null, primary key ("id"));`,
    );
    this.addSql(
      `create index "offset_pool_retirements_project_id_start_gram_index" on "marketplace"."offset_pool_retirements" ("project_id", "start_gram");`,
    );
    this.addSql(
      `alter table "marketplace"."offset_pool_retirements" add constraint "offset_pool_retirements_project_id_sequence_unique" unique ("project_id", "sequence");`,
    );

    this.addSql(
      `create table "marketplace"."offset_pool_shares" ("id" varchar(255) not null, "order_id" varchar(255) not null, "project_id" varchar(255) not null, "project_name" varchar(255) not null, "start_gram" bigint not null, "end_gram" bigint not null, primary key ("id"));`,
    );
    this.addSql(`create index "offset_pool_shares_order_id_index" on "marketplace"."offset_pool_shares" ("order_id");`);
    this.addSql(
      `create index "offset_pool_shares_project_id_start_gram_index" on "marketplace"."offset_pool_shares" ("project_id", "start_gram");`,
    );

    this.addSql(
      `create table "marketplace"."offset_retirement_pools" ("project_id" varchar(255) not null, "project_name" varchar(255) not null, "pooled_grams" bigint not null, "retired_grams" bigint not null, "retirements" int not null, primary key ("project_id"));`,
    );
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "marketplace"."offset_pool_retirements" cascade;`);
    this.addSql(`drop table if exists "marketplace"."offset_pool_shares" cascade;`);
    this.addSql(`drop table if exists "marketplace"."offset_retirement_pools" cascade;`);
  }
}
