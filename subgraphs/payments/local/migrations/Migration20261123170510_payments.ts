import { Migration } from '@mikro-orm/migrations';

export class Migration20261123170510_payments extends Migration {
  override name = 'Migration20261123170510_payments';

  override up(): void | Promise<void> {
    this.addSql(`create schema if not exists "payments";`);
    this.addSql(
      `create table "payments"."balances" ("user_id" varchar(255) not null, "currency" varchar(255) not null, "available_minor" bigint not null, primary key ("user_id", "currency"));`,
    );

    this.addSql(
      `create table "payments"."bank_accounts" ("id" varchar(255) not null, "user_id" varchar(255) not null, "holder_name" varchar(255) not null, "iban" varchar(255) not null, "bic" varchar(255) not null, "currency" varchar(255) not null, "country_code" varchar(255) not null, "created_at" timestamptz not null, primary key ("id"));`,
    );
    this.addSql(
      `create index "bank_accounts_user_id_created_at_index" on "payments"."bank_accounts" ("user_id", "created_at");`,
    );
    this.addSql(
      `alter table "payments"."bank_accounts" add constraint "bank_accounts_user_id_iban_unique" unique ("user_id", "iban");`,
    );

    this.addSql(
      `create table "payments"."payment_transactions" ("id" varchar(255) not null, "external_reference" varchar(255) not null, "type" varchar(255) not null, "type_id" varchar(255) not null, "payer_id" varchar(255) not null, "payee_id" varchar(255) null, "amount_minor" bigint not null, "currency" varchar(255) not null, "status" varchar(255) not null, "created_at" timestamptz not null, primary key ("id"));`,
    );
    this.addSql(
      `alter table "payments"."payment_transactions" add constraint "payment_transactions_external_reference_unique" unique ("external_reference");`,
    );
    this.addSql(
      `create index "payment_transactions_type_type_id_created_at_index" on "payments"."payment_transactions" ("type", "type_id", "created_at");`,
    );
    this.addSql(
      `create index "payment_transactions_payer_id_created_at_index" on "payments"."payment_transactions" ("payer_id", "created_at");`,
    );
    this.addSql(
      `create index "payment_transactions_payee_id_created_at_index" on "payments"."payment_transactions" ("payee_id", "created_at");`,
    );
    this.addSql(
      `create index "payment_transactions_created_at_index" on "payments"."payment_transactions" ("created_at");`,
    );

    this.addSql(
      `create table "payments"."transfers" ("id" varchar(255) not null, "user_id" varchar(255) not null, "bank_account_id" varchar(255) not null, "amount_minor" bigint not null, "currency" varchar(255) not null, "status" varchar(255) not null, "reference" varchar(255) null, "idempotency_key" varchar(255) not null, "request_hash" varchar(255) not null, "created_at" timestamptz not null, primary key ("id"));`,
    );
    this.addSql(`create index "transfers_bank_account_id_index" on "payments"."transfers" ("bank_account_id");`);
    this.addSql(
      `create index "transfers_user_id_created_at_index" on "payments"."transfers" ("user_id", "created_at");`,
    );
    this.addSql(
      `alter table "payments"."transfers" add constraint "transfers_user_id_idempotency_key_unique" unique ("user_id", "idempotency_key");`,
    );
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "payments"."balances" cascade;`);
    this.addSql(`drop table if exists "payments"."bank_accounts" cascade;`);
    this.addSql(`drop table if exists "payments"."payment_transactions" cascade;`);
    this.addSql(`drop table if exists "payments"."transfers" cascade;`);

    this.addSql(`drop schema if exists "payments";`);
  }
}
