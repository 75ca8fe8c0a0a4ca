import { Migration } from '@mikro-orm/migrations';

export class Migration20261123165758_marketplace extends Migration {

  override name = 'Migration20261123165758_marketplace';

  override up(): void | Promise<void> {
    this.addSql(`create schema if not exists "marketplace";`);
    this.addSql(`create table "marketplace"."nfts" ("id" varchar(255) not null, "name" varchar(255) not null, "token_address" varchar(255) not null, "token_id" varchar(255) not null, "supplier_id" varchar(255) null, "owner_id" varchar(255) null, "quantity_grams" bigint not null, "available_grams" bigint not null, "is_public" boolean not null, "created_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`alter table "marketplace"."nfts" add constraint "nfts_token_address_token_id_unique" unique ("token_address", "token_id");`);

    this.addSql(`create table "marketplace"."orders" ("id" varchar(255) not null, "product_id" varchar(255) not null, "supplier_id" varchar(255) not null, "buyer_id" varchar(255) not null, "quantity_grams" bigint not null, "unit_price_minor" bigint not null, "total_price_minor" bigint not null, "currency" varchar(255) not null, "status" varchar(255) not null, "is_public" boolean not null, "order_hash" varchar(255) null, "created_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`create index "orders_product_id_index" on "marketplace"."orders" ("product_id");`);
    this.addSql(`create index "orders_supplier_id_index" on "marketplace"."orders" ("supplier_id");`);
    this.addSql(`alter table "marketplace"."orders" add constraint "orders_order_hash_unique" unique ("order_hash");`);
    this.addSql(`create index "orders_buyer_id_created_at_index" on "marketplace"."orders" ("buyer_id", "created_at");`);
    this.addSql(`create index "orders_created_at_index" on "marketplace"."orders" ("created_at");`);

    this.addSql(`create table "marketplace"."products" ("id" varchar(255) not null, "name" varchar(255) not null, "description" text null, "product_type" varchar(255) not null, "supplier_id" varchar(255) not null, "country_code" varchar(255) null, "vintage" int null, "price_per_tonne_minor" bigint not null, "currency" varchar(255) not null, "available_grams" bigint not null, "is_public" boolean not null, "owner_id" varchar(255) null, "created_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`create index "products_supplier_id_index" on "marketplace"."products" ("supplier_id");`);
    this.addSql(`create index "products_created_at_index" on "marketplace"."products" ("created_at");`);

    this.addSql(`create table "marketplace"."suppliers" ("id" varchar(255) not null, "name" varchar(255) not null, "country_code" varchar(255) null, "methodology_code" varchar(255) null, "featured" boolean not null, "is_public" boolean not null, "created_at" timestamptz not null, primary key ("id"));`);

    this.addSql(`create table "marketplace"."users" ("id" varchar(255) not null, "email" varchar(255) not null, "name" varchar(255) null, "role" varchar(255) not null, "created_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`alter table "marketplace"."users" add constraint "users_email_unique" unique ("email");`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "marketplace"."nfts" cascade;`);
    this.addSql(`drop table if exists "marketplace"."orders" cascade;`);
    this.addSql(`drop table if exists "marketplace"."products" cascade;`);
    this.addSql(`drop table if exists "marketplace"."suppliers" cascade;`);
    this.addSql(`drop table if exists "marketplace"."users" cascade;`);

    this.addSql(`drop schema if exists "marketplace";`);
  }

}
