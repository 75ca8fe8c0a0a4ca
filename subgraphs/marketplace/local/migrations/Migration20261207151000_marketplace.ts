import { Migration } from '@mikro-orm/migrations';

export class Migration20261207151000_marketplace extends Migration {
  override name = 'Migration20261207151000_marketplace';

  override up(): void | Promise<void> {
    this.addSql(
      `create index "offset_order_journal_state_updated_at_index" on "marketplace"."offset_order_journal" ("state", "updated_at");`,
    );
    this.addSql(`update "marketplace"."offset_order_journal" set "state" = 'DONE' where "state" = 'ACCEPTED';`);
  }

  override down(): void | Promise<void> {
    this.addSql(`update "marketplace"."offset_order_journal" set "state" = 'ACCEPTED' where "state" = 'DONE';`);
    this.addSql(`drop index "marketplace"."offset_order_journal_state_updated_at_index";`);
  }
}
