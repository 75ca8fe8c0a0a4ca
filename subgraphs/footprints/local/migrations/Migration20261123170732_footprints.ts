import { Migration } from '@mikro-orm/migrations';

export class Migration20261123170732_footprints extends Migration {
  override name = 'Migration20261123170732_footprints';

  override up(): void | Promise<void> {
    this.addSql(`create schema if not exists "footprints";`);
    this.addSql(
      `create table "footprints"."footprints" ("id" varchar(255) not null, "kind" varchar(255) not null, "product_id" varchar(255) not null, "group_id" varchar(255) not null, "calculation_method" varchar(255) not null, "total" varchar(255) not null, "breakdown" jsonb not null, "updated_at" timestamptz not null, primary key ("id"));`,
    );
    this.addSql(`create index "footprints_product_id_index" on "footprints"."footprints" ("product_id");`);
    this.addSql(
      `create index "footprints_kind_group_id_updated_at_index" on "footprints"."footprints" ("kind", "group_id", "updated_at");`,
    );

    this.addSql(
      `create table "footprints"."product_groups" ("id" varchar(255) not null, "name" varchar(255) not null, primary key ("id"));`,
    );

    this.addSql(
      `create table "footprints"."invitation_emails" ("id" varchar(255) not null, "supplier_id" varchar(255) not null, "email" varchar(255) not null, "product_ids" jsonb not null, "created_at" timestamptz not null, "sent_at" timestamptz null, primary key ("id"));`,
    );
    this.addSql(
      `alter table "footprints"."invitation_emails" add constraint "invitation_emails_supplier_id_email_unique" unique ("supplier_id", "email");`,
    );

    this.addSql(
      `create table "footprints"."product_suppliers" ("id" varchar(255) not null, "group_id" varchar(255) not null, "name" varchar(255) not null, "custom_id" varchar(255) null, "status" varchar(255) not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, primary key ("id"));`,
    );
    this.addSql(
      `create index "product_suppliers_group_id_name_index" on "footprints"."product_suppliers" ("group_id", "name");`,
    );

    this.addSql(
      `create table "footprints"."resold_products" ("id" varchar(255) not null, "group_id" varchar(255) not null, "name" varchar(255) not null, "custom_id" varchar(255) null, "gtin" varchar(14) null, "brand_name" varchar(255) null, "description" text null, "categories" jsonb not null, "image_url" text null, "ingredients" text null, "alcohol_percentage" varchar(255) null, "packaging_material" varchar(255) null, "packaging_type" varchar(255) null, "packaging_weight_value" varchar(255) null, "packaging_weight_unit" varchar(255) null, "net_quantity_value" varchar(255) null, "net_quantity_unit" varchar(255) null, "pick_up_location" varchar(255) not null, "production_location" varchar(255) not null, "ship_to_location" varchar(255) not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, primary key ("id"));`,
    );
    this.addSql(
      `create index "resold_products_group_id_id_index" on "footprints"."resold_products" ("group_id", "id");`,
    );
    this.addSql(
      `create index "resold_products_group_id_updated_at_index" on "footprints"."resold_products" ("group_id", "updated_at");`,
    );

    this.addSql(
      `create table "footprints"."resold_product_sales_volumes" ("id" varchar(255) not null, "product_id" varchar(255) not null, "year" int not null, "grams" bigint not null, primary key ("id"));`,
    );
    this.addSql(
      `alter table "footprints"."resold_product_sales_volumes" add constraint "resold_product_sales_volumes_product_id_year_unique" unique ("product_id", "year");`,
    );

    this.addSql(
      `create table "footprints"."product_supplier_contacts" ("id" varchar(255) not null, "supplier_id" varchar(255) not null, "position" int not null, "name" varchar(255) null, "email" varchar(255) not null, primary key ("id"));`,
    );
    this.addSql(
      `alter table "footprints"."product_supplier_contacts" add constraint "product_supplier_contacts_supplier_id_email_unique" unique ("supplier_id", "email");`,
    );

    this.addSql(
      `create table "footprints"."product_supplier_links" ("id" varchar(255) not null, "product_id" varchar(255) not null, "supplier_id" varchar(255) not null, "status" varchar(255) not null, "current" boolean not null, "updated_at" timestamptz not null, primary key ("id"));`,
    );
    this.addSql(
      `create index "product_supplier_links_product_id_index" on "footprints"."product_supplier_links" ("product_id");`,
    );
    this.addSql(
      `create index "product_supplier_links_supplier_id_current_index" on "footprints"."product_supplier_links" ("supplier_id", "current");`,
    );
    this.addSql(
      `alter table "footprints"."product_supplier_links" add constraint "product_supplier_links_product_id_supplier_id_unique" unique ("product_id", "supplier_id");`,
    );

    this.addSql(
      `create table "footprints"."supplier_periods" ("id" varchar(255) not null, "product_id" varchar(255) not null, "supplier_id" varchar(255) not null, "valid_from" varchar(10) null, "valid_to" varchar(10) null, primary key ("id"));`,
    );
    this.addSql(`create index "supplier_periods_product_id_index" on "footprints"."supplier_periods" ("product_id");`);
    this.addSql(
      `create index "supplier_periods_supplier_id_index" on "footprints"."supplier_periods" ("supplier_id");`,
    );
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "footprints"."footprints" cascade;`);
    this.addSql(`drop table if exists "footprints"."product_groups" cascade;`);
    this.addSql(`drop table if exists "footprints"."invitation_emails" cascade;`);
    this.addSql(`drop table if exists "footprints"."product_suppliers" cascade;`);
    this.addSql(`drop table if exists "footprints"."resold_products" cascade;`);
    this.addSql(`drop table if exists "footprints"."resold_product_sales_volumes" cascade;`);
    this.addSql(`drop table if exists "footprints"."product_supplier_contacts" cascade;`);
    this.addSql(`drop table if exists "footprints"."product_supplier_links" cascade;`);
    this.addSql(`drop table if exists "footprints"."supplier_periods" cascade;`);

    this.addSql(`drop schema if exists "footprints";`);
  }
}
