import { Migration } from "@mikro-orm/migrations";
import { outboxFillFactorSql } from "../../mixins/outbox/outbox-table.sql.js";

export class Migration20261121180000_outbox_fillfactor extends Migration {
	override name = "Migration20261121180000_outbox_fillfactor";

	override async up(): Promise<void> {
		this.addSql(outboxFillFactorSql);
	}
}
