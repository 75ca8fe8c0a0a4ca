import { Migration } from '@mikro-orm/migrations';

export class Migration20261123174412_marketplace extends Migration {
  override name = 'Migration20261123174412_marketplace';

  override up(): void | Promise<void> {
    this.addSql(`create schema if not exists "marketplace";`);
    this.addSql(
      `create table "marketplace"."bundle_orders" ("id" varchar(255) not null, "name" varchar(255) not null, "product_id" varchar(255) not null, "supplier_id" varchar(255) not null, "price_per_tonne_minor" bigint not null, "currency" varchar(255) not null, "quantity_grams" bigint not null, "available_grams" bigint not null, "is_public" boolean not null, "created_at" timestamptz not null, primary key ("id"));`,
    );
    this.addSql(`create index "bundle_orders_product_id_index" on "marketplace"."bundle_orders" ("product_id");`);
    this.addSql(`create index "bundle_orders_created_at_index" on "marketplace"."bundle_orders" ("created_at");`);

    this.addSql(
      `create table "marketplace"."impact_partners" ("id" varchar(255) not null, "name" varchar(255) not null, "description" text null, "country_code" varchar(255) null, "website_url" varchar(255) null, "is_public" boolean not null, "created_at" timestamptz not null, primary key ("id"));`,
    );
    this.addSql(`create index "impact_partners_created_at_index" on "marketplace"."impact_partners" ("created_at");`);

    this.addSql(
      `create table "marketplace"."mailing_list" ("id" varchar(255) not null, "email" varchar(255) not null, "created_at" timestamptz not null, primary key ("id"));`,
    );
    this.addSql(
      `alter table "marketplace"."mailing_list" add constraint "mailing_list_email_unique" unique ("email");`,
    );
    this.addSql(`create index "mailing_list_created_at_index" on "marketplace"."mailing_list" ("created_at");`);

    this.addSql(
      `create table "marketplace"."nfts" ("id" varchar(255) not null, "name" varchar(255) not null, "token_address" varchar(255) not null, "token_id" varchar(255) not null, "supplier_id" varchar(255) null, "owner_id" varchar(255) null, "quantity_grams" bigint not null, "available_grams" bigint not null, "is_public" boolean not null, "created_at" timestamptz not null, primary key ("id"));`,
    );
    this.addSql(
      `alter table "marketplace"."nfts" add constraint "nfts_token_address_token_id_unique" unique ("token_address", "token_id");`,
    );

    this.addSql(
      `create table "marketplace"."offset_allocations" ("id" varchar(255) not null, "order_id" varchar(255) not null, "position" int not null, "bundle_id" varchar(255) not null, "bundle_name" varchar(255) not null, "project_id" varchar(255) null, "project_name" varchar(255) not null, "grams" bigint not null, "price_per_tonne_minor" bigint not null, "cost_minor" bigint not null, primary key ("id"));`,
    );
    this.addSql(`create index "offset_allocations_order_id_index" on "marketplace"."offset_allocations" ("order_id");`);

    this.addSql(
      `create table "marketplace"."offset_bundles" ("id" varchar(255) not null, "name" varchar(255) not null, "project_id" varchar(255) null, "project_name" varchar(255) not null, "price_per_tonne_minor" bigint not null, "currency" varchar(255) not null, "available_grams" bigint not null, "created_at" timestamptz not null, primary key ("id"));`,
    );

    this.addSql(
      `create table "marketplace"."offset_emission_estimates" ("id" varchar(255) not null, "description" varchar(255) not null, "mass_grams" bigint not null, "created_at" timestamptz not null, primary key ("id"));`,
    );

    this.addSql(
      `create table "marketplace"."offset_orders" ("id" varchar(255) not null, "owner_id" varchar(255) null, "idempotency_key" varchar(255) null, "request_hash" varchar(255) not null, "type" varchar(255) not null, "status" varchar(255) not null, "currency" varchar(255) not null, "mass_grams" bigint not null, "total_cost_minor" bigint not null, "maximum_spend_minor" bigint null, "estimate_id" varchar(255) null, "beneficiary" varchar(255) null, "created_at" timestamptz not null, primary key ("id"));`,
    );
    this.addSql(
      `alter table "marketplace"."offset_orders" add constraint "offset_orders_estimate_id_unique" unique ("estimate_id");`,
    );
    this.addSql(
      `create index "offset_orders_owner_id_created_at_index" on "marketplace"."offset_orders" ("owner_id", "created_at");`,
    );
    this.addSql(`create index "offset_orders_created_at_index" on "marketplace"."offset_orders" ("created_at");`);
    this.addSql(
      `alter table "marketplace"."offset_orders" add constraint "offset_orders_owner_id_idempotency_key_unique" unique ("owner_id", "idempotency_key");`,
    );

    this.addSql(
      `create table "marketplace"."orders" ("id" varchar(255) not null, "product_id" varchar(255) not null, "supplier_id" varchar(255) not null, "buyer_id" varchar(255) not null, "quantity_grams" bigint not null, "unit_price_minor" bigint not null, "total_price_minor" bigint not null, "currency" varchar(255) not null, "status" varchar(255) not null, "is_public" boolean not null, "order_hash" varchar(255) null, "bundle_order_id" varchar(255) null, "synced_at" timestamptz null, "created_at" timestamptz not null, primary key ("id"));`,
    );
    this.addSql(`create index "orders_product_id_index" on "marketplace"."orders" ("product_id");`);
    this.addSql(`create index "orders_supplier_id_index" on "marketplace"."orders" ("supplier_id");`);
    this.addSql(`alter table "marketplace"."orders" add constraint "orders_order_hash_unique" unique ("order_hash");`);
    this.addSql(
      `create index "orders_buyer_id_created_at_index" on "marketplace"."orders" ("buyer_id", "created_at");`,
    );
    this.addSql(`create index "orders_created_at_index" on "marketplace"."orders" ("created_at");`);

    this.addSql(
      `create table "marketplace"."products" ("id" varchar(255) not null, "name" varchar(255) not null, "description" text null, "product_type" varchar(255) not null, "supplier_id" varchar(255) not null, "country_code" varchar(255) null, "vintage" int null, "price_per_tonne_minor" bigint not null, "currency" varchar(255) not null, "available_grams" bigint not null, "is_public" boolean not null, "owner_id" varchar(255) null, "created_at" timestamptz not null, primary key ("id"));`,
    );
    this.addSql(`create index "products_supplier_id_index" on "marketplace"."products" ("supplier_id");`);
    this.addSql(`create index "products_created_at_index" on "marketplace"."products" ("created_at");`);

    this.addSql(
      `create table "marketplace"."product_orders" ("id" varchar(255) not null, "bundle_order_id" varchar(255) not null, "product_id" varchar(255) not null, "quantity_grams" bigint not null, "created_at" timestamptz not null, primary key ("id"));`,
    );
    this.addSql(
      `create index "product_orders_bundle_order_id_index" on "marketplace"."product_orders" ("bundle_order_id");`,
    );
    this.addSql(`create index "product_orders_product_id_index" on "marketplace"."product_orders" ("product_id");`);

    this.addSql(
      `create table "marketplace"."purchase_idempotency_keys" ("id" varchar(255) not null, "owner_id" varchar(255) not null, "key" varchar(255) not null, "request_hash" varchar(255) not null, "order_id" varchar(255) not null, "created_at" timestamptz not null, primary key ("id"));`,
    );
    this.addSql(
      `alter table "marketplace"."purchase_idempotency_keys" add constraint "purchase_idempotency_keys_owner_id_key_unique" unique ("owner_id", "key");`,
    );

    this.addSql(
      `create table "marketplace"."service_outbox" ("id" varchar(255) not null, "target" varchar(255) not null, "mutation" varchar(255) not null, "dedupe_key" varchar(255) not null, "payload" text not null, "status" varchar(255) not null, "attempts" int not null, "next_attempt_at" timestamptz not null, "locked_until" timestamptz null, "closed_at" timestamptz null, "last_error" text null, "created_at" timestamptz not null, primary key ("id"));`,
    );
    this.addSql(
      `alter table "marketplace"."service_outbox" add constraint "service_outbox_dedupe_key_unique" unique ("dedupe_key");`,
    );
    this.addSql(
      `create index "service_outbox_status_next_attempt_at_index" on "marketplace"."service_outbox" ("status", "next_attempt_at");`,
    );

    this.addSql(
      `create table "marketplace"."suppliers" ("id" varchar(255) not null, "name" varchar(255) not null, "description" text null, "country_code" varchar(255) null, "methodology_code" varchar(255) null, "featured" boolean not null, "is_public" boolean not null, "created_at" timestamptz not null, primary key ("id"));`,
    );
    this.addSql(`create index "suppliers_created_at_index" on "marketplace"."suppliers" ("created_at");`);

    this.addSql(
      `create table "marketplace"."traders" ("id" varchar(255) not null, "name" varchar(255) not null, "supplier_id" varchar(255) null, "country_code" varchar(255) null, "is_public" boolean not null, "created_at" timestamptz not null, primary key ("id"));`,
    );
    this.addSql(`create index "traders_supplier_id_index" on "marketplace"."traders" ("supplier_id");`);
    this.addSql(`create index "traders_created_at_index" on "marketplace"."traders" ("created_at");`);

    this.addSql(
      `create table "marketplace"."users" ("id" varchar(255) not null, "email" varchar(255) not null, "name" varchar(255) null, "role" varchar(255) not null, "created_at" timestamptz not null, primary key ("id"));`,
    );
    this.addSql(`alter table "marketplace"."users" add constraint "users_email_unique" unique ("email");`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "marketplace"."bundle_orders" cascade;`);
    this.addSql(`drop table if exists "marketplace"."impact_partners" cascade;`);
    this.addSql(`drop table if exists "marketplace"."mailing_list" cascade;`);
    this.addSql(`drop table if exists "marketplace"."nfts" cascade;`);
    this.addSql(`drop table if exists "marketplace"."offset_allocations" cascade;`);
    this.addSql(`drop table if exists "marketplace"."offset_bundles" cascade;`);
    this.addSql(`drop table if exists "marketplace"."offset_emission_estimates" cascade;`);
    this.addSql(`drop table if exists "marketplace"."offset_orders" cascade;`);
    this.addSql(`drop table if exists "marketplace"."orders" cascade;`);
    this.addSql(`drop table if exists "marketplace"."products" cascade;`);
    this.addSql(`drop table if exists "marketplace"."product_orders" cascade;`);
    this.addSql(`drop table if exists "marketplace"."purchase_idempotency_keys" cascade;`);
    this.addSql(`drop table if exists "marketplace"."service_outbox" cascade;`);
    this.addSql(`drop table if exists "marketplace"."suppliers" cascade;`);
    this.addSql(`drop table if exists "marketplace"."traders" cascade;`);
    this.addSql(`drop table if exists "marketplace"."users" cascade;`);

    this.addSql(`drop schema if exists "marketplace";`);
  }
}
