import { Migration } from "@mikro-orm/migrations";
import { createConflictGuardSql } from "../../mixins/optimistic-lock/conflict-guard.sql.js";

/** The guard a one-statement balance write refuses itself with (mixins/optimistic-lock/write-balances.ts). */
export class Migration20261122000000_conflict_guard extends Migration {
	override name = "Migration20261122000000_conflict_guard";

	override async up(): Promise<void> {
		this.addSql(createConflictGuardSql);
	}
}
