import { Migration } from "@mikro-orm/migrations";
import { outboxParkedIndexSql } from "../../mixins/outbox/outbox-table.sql.js";

export class Migration20261121230000_outbox_parked_index extends Migration {
	override name = "Migration20261121230000_outbox_parked_index";

	override async up(): Promise<void> {
		this.addSql(outboxParkedIndexSql);
	}
}
