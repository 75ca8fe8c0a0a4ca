import { Migration } from '@mikro-orm/migrations';

export class Migration20261201052906_registry extends Migration {
  override name = 'Migration20261201052906_registry';

  override up(): void | Promise<void> {
    this.addSql(
      `create table "registry"."icr_effects" ("id" varchar(255) not null, "key_id" varchar(255) null, "organization_id" varchar(255) not null, "route" varchar(255) not null, "action" varchar(255) not null, "credit_id" varchar(255) not null, "amount_tonnes" bigint not null, "to_organization_id" varchar(255) null, "to_address" varchar(255) null, "offset_order_id" varchar(255) null, "body" jsonb not null, "state" varchar(255) not null, "icr_request_id" varchar(255) null, "request" jsonb null, "created_at" timestamptz not null, "updated_at" timestamptz not null, primary key ("id"));`,
    );
    this.addSql(`create index "icr_effects_offset_order_id_index" on "registry"."icr_effects" ("offset_order_id");`);
    this.addSql(
      `create index "icr_effects_organization_id_created_at_index" on "registry"."icr_effects" ("organization_id", "created_at");`,
    );
    this.addSql(
      `alter table "registry"."icr_effects" add constraint "icr_effects_icr_request_id_unique" unique ("icr_request_id");`,
    );

    this.addSql(
      `create table "registry"."icr_write_keys" ("id" varchar(255) not null, "scope" varchar(255) not null, "organization_id" varchar(255) not null, "key" varchar(255) not null, "request_hash" varchar(255) not null, "state" varchar(255) not null, "result" jsonb null, "created_at" timestamptz not null, "updated_at" timestamptz not null, primary key ("id"));`,
    );
    this.addSql(
      `alter table "registry"."icr_write_keys" add constraint "icr_write_keys_scope_organization_id_key_unique" unique ("scope", "organization_id", "key");`,
    );
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "registry"."icr_effects" cascade;`);
    this.addSql(`drop table if exists "registry"."icr_write_keys" cascade;`);
  }
}
