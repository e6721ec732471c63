import { Migration } from "@mikro-orm/migrations";
import { createIdempotencyTableSql } from "../../mixins/idempotency/idempotency-table.sql.js";
import { createInboxTableSql } from "../../mixins/inbox/inbox-table.sql.js";
import { createOutboxTableSql } from "../../mixins/outbox/outbox-table.sql.js";

export class Migration20261121000000_initial extends Migration {
	override name = "Migration20261121000000_initial";

	override async up(): Promise<void> {
		this.addSql(`create table orders (
			id uuid primary key,
			user_id uuid not null,
			amount bigint not null check (amount between 1 and 1000000000000),
			description varchar(500) not null,
			status text not null default 'NEW' check (status in ('NEW', 'FINISHED', 'CANCELED')),
			reason varchar(40) null,
			created_at timestamptz not null,
			updated_at timestamptz not null,
			-- a reason exactly when the order was canceled
			constraint orders_reason_iff_canceled check ((status = 'CANCELED') = (reason is not null))
		)`);
		this.addSql(`create index orders_user_id_created_at_idx on orders (user_id, created_at desc, id desc)`);
		this.addSql(`create index orders_new_created_at_idx on orders (created_at) where status = 'NEW'`);
		for (const sql of [...createOutboxTableSql, ...createInboxTableSql, ...createIdempotencyTableSql]) this.addSql(sql);
	}
}
