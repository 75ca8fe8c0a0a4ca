import { Migration } from '@mikro-orm/migrations';

export class Migration20261201103812_marketplace extends Migration {
  override name = 'Migration20261201103812_marketplace';

  override up(): void | Promise<void> {
    this.addSql(
      `create table "marketplace"."offset_product_runs" ("id" varchar(255) not null, "buyer_id" varchar(255) not null, "idempotency_key" varchar(255) not null, "request_hash" varchar(255) not null, "resold_product_id" varchar(255) not null, "product_name" varchar(255) not null, "year" int not null, "step" varchar(255) not null, "footprint_kg_per_kg" varchar(255) not null, "sales_tonnes" varchar(255) not null, "grams" bigint not null, "currency" varchar(255) not null, "quoted_cost_minor" bigint not null, "maximum_spend_minor" bigint null, "beneficiary" varchar(255) not null, "order_id" varchar(255) null, "refusal_code" varchar(255) null, "refusal_field" varchar(255) null, "refusal_message" varchar(255) null, "created_at" timestamptz not null, "updated_at" timestamptz not null, primary key ("id"));`,
    );
    this.addSql(
      `create index "offset_product_runs_buyer_id_resold_product_id_created_at_index" on "marketplace"."offset_product_runs" ("buyer_id", "resold_product_id", "created_at");`,
    );
    this.addSql(
      `create index "offset_product_runs_step_updated_at_index" on "marketplace"."offset_product_runs" ("step", "updated_at");`,
    );
    this.addSql(
      `alter table "marketplace"."offset_product_runs" add constraint "offset_product_runs_buyer_id_idempotency_key_unique" unique ("buyer_id", "idempotency_key");`,
    );
    this.addSql(
      `alter table "marketplace"."offset_product_runs" add constraint "offset_product_runs_order_id_unique" unique ("order_id");`,
    );
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "marketplace"."offset_product_runs" cascade;`);
  }
}
