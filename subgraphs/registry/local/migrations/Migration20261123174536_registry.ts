import { Migration } from '@mikro-orm/migrations';

export class Migration20261123174536_registry extends Migration {
  override name = 'Migration20261123174536_registry';

  override up(): void | Promise<void> {
    this.addSql(`create schema if not exists "registry";`);
    this.addSql(
      `create table "registry"."balances" ("id" varchar(255) not null, "credit_id" varchar(255) not null, "organization_id" varchar(255) not null, "held_tonnes" bigint not null, "reserved_tonnes" bigint not null, primary key ("id"));`,
    );
    this.addSql(`create index "balances_organization_id_index" on "registry"."balances" ("organization_id");`);
    this.addSql(
      `alter table "registry"."balances" add constraint "balances_credit_id_organization_id_unique" unique ("credit_id", "organization_id");`,
    );

    this.addSql(
      `create table "registry"."credits" ("id" varchar(255) not null, "kind" varchar(255) not null, "token_id" varchar(255) not null, "token_address" varchar(255) not null, "project_id" varchar(255) not null, "serial_prefix" varchar(255) not null, "serial_first" bigint not null, "vintage" int not null, "supply_tonnes" bigint not null, "development" boolean not null, "created_at" timestamptz not null, primary key ("id"));`,
    );
    this.addSql(`create index "credits_project_id_index" on "registry"."credits" ("project_id");`);
    this.addSql(
      `alter table "registry"."credits" add constraint "credits_token_address_token_id_unique" unique ("token_address", "token_id");`,
    );

    this.addSql(
      `create table "registry"."credit_action_keys" ("id" varchar(255) not null, "organization_id" varchar(255) not null, "key" varchar(255) not null, "request_hash" varchar(255) not null, "credit_request_id" varchar(255) not null, "created_at" timestamptz not null, primary key ("id"));`,
    );
    this.addSql(
      `alter table "registry"."credit_action_keys" add constraint "credit_action_keys_organization_id_key_unique" unique ("organization_id", "key");`,
    );

    this.addSql(
      `create table "registry"."credit_requests" ("id" varchar(255) not null, "organization_id" varchar(255) not null, "action" varchar(255) not null, "state" varchar(255) not null, "credit_id" varchar(255) not null, "amount_tonnes" bigint not null, "to_organization_id" varchar(255) null, "to_address" varchar(255) null, "serialization" text null, "tx_id" varchar(255) null, "retirement_id" varchar(255) null, "retirement_reason" text null, "retirement_comment" text null, "beneficiary_name" varchar(255) null, "offset_order_id" varchar(255) null, "requested_by" varchar(255) not null, "reviewed_by" varchar(255) null, "created_at" timestamptz not null, "updated_at" timestamptz not null, primary key ("id"));`,
    );
    this.addSql(
      `create index "credit_requests_organization_id_created_at_index" on "registry"."credit_requests" ("organization_id", "created_at");`,
    );

    this.addSql(
      `create table "registry"."credit_types" ("code" varchar(255) not null, "name" varchar(255) not null, "description" text null, primary key ("code"));`,
    );

    this.addSql(
      `create table "registry"."memberships" ("id" varchar(255) not null, "organization_id" varchar(255) not null, "user_id" varchar(255) not null, "created_at" timestamptz not null, primary key ("id"));`,
    );
    this.addSql(`create index "memberships_user_id_index" on "registry"."memberships" ("user_id");`);
    this.addSql(
      `alter table "registry"."memberships" add constraint "memberships_organization_id_user_id_unique" unique ("organization_id", "user_id");`,
    );

    this.addSql(
      `create table "registry"."offset_retirement_keys" ("id" varchar(255) not null, "organization_id" varchar(255) not null, "key" varchar(255) not null, "request_hash" varchar(255) not null, "retirement_ids" jsonb not null, "created_at" timestamptz not null, primary key ("id"));`,
    );
    this.addSql(
      `alter table "registry"."offset_retirement_keys" add constraint "offset_retirement_keys_organization_id_key_unique" unique ("organization_id", "key");`,
    );

    this.addSql(
      `create table "registry"."organizations" ("id" varchar(255) not null, "name" varchar(255) not null, "created_at" timestamptz not null, primary key ("id"));`,
    );

    this.addSql(
      `create table "registry"."projects" ("id" varchar(255) not null, "full_name" varchar(255) not null, "num" varchar(255) null, "url" varchar(255) null, "public_url" varchar(255) null, primary key ("id"));`,
    );

    this.addSql(
      `create table "registry"."puro_inventory_items" ("id" varchar(255) not null, "credit_type_code" varchar(255) not null, "country_code" varchar(255) not null, "production_facility_id" varchar(255) not null, "production_facility_name" varchar(255) null, "issuance_id" varchar(255) not null, "vintage" int not null, "quantity_tonnes" bigint not null, "serialization" varchar(255) null, primary key ("id"));`,
    );
    this.addSql(
      `create index "puro_inventory_items_credit_type_code_index" on "registry"."puro_inventory_items" ("credit_type_code");`,
    );

    this.addSql(
      `create table "registry"."retirements" ("id" varchar(255) not null, "registry" varchar(255) not null, "offset_order_id" varchar(255) null, "beneficiary_name" varchar(255) null, "reason" text null, "comment" text null, "amount_tonnes" bigint not null, "vintage" int null, "serialization" text null, "credit_id" varchar(255) null, "project_id" varchar(255) null, "organization_id" varchar(255) null, "tx_id" varchar(255) null, "retired_at" timestamptz not null, primary key ("id"));`,
    );
    this.addSql(`create index "retirements_offset_order_id_index" on "registry"."retirements" ("offset_order_id");`);
    this.addSql(
      `create index "retirements_registry_retired_at_index" on "registry"."retirements" ("registry", "retired_at");`,
    );

    this.addSql(
      `create table "registry"."serial_blocks" ("id" varchar(255) not null, "credit_id" varchar(255) not null, "serial_start" bigint not null, "serial_end" bigint not null, "status" varchar(255) not null, "organization_id" varchar(255) null, "holder_address" varchar(255) null, "request_id" varchar(255) null, "retirement_id" varchar(255) null, primary key ("id"));`,
    );
    this.addSql(
      `create index "serial_blocks_credit_id_organization_id_status_index" on "registry"."serial_blocks" ("credit_id", "organization_id", "status");`,
    );
    this.addSql(`create index "serial_blocks_request_id_index" on "registry"."serial_blocks" ("request_id");`);

    this.addSql(
      `alter table "registry"."balances" add constraint "balances_held_tonnes_check" check (held_tonnes >= 0);`,
    );
    this.addSql(
      `alter table "registry"."balances" add constraint "balances_reserved_tonnes_check" check (reserved_tonnes >= 0);`,
    );
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "registry"."balances" cascade;`);
    this.addSql(`drop table if exists "registry"."credits" cascade;`);
    this.addSql(`drop table if exists "registry"."credit_action_keys" cascade;`);
    this.addSql(`drop table if exists "registry"."credit_requests" cascade;`);
    this.addSql(`drop table if exists "registry"."credit_types" cascade;`);
    this.addSql(`drop table if exists "registry"."memberships" cascade;`);
    this.addSql(`drop table if exists "registry"."offset_retirement_keys" cascade;`);
    this.addSql(`drop table if exists "registry"."organizations" cascade;`);
    this.addSql(`drop table if exists "registry"."projects" cascade;`);
    this.addSql(`drop table if exists "registry"."puro_inventory_items" cascade;`);
    this.addSql(`drop table if exists "registry"."retirements" cascade;`);
    this.addSql(`drop table if exists "registry"."serial_blocks" cascade;`);

    this.addSql(`drop schema if exists "registry";`);
  }
}
