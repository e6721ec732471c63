import { Migration } from "@mikro-orm/migrations";
import { createIdempotencyTableSql } from "../../mixins/idempotency/idempotency-table.sql.js";
import { createInboxTableSql } from "../../mixins/inbox/inbox-table.sql.js";
import { createOutboxTableSql } from "../../mixins/outbox/outbox-table.sql.js";

export class Migration20261121000000_initial extends Migration {
	override name = "Migration20261121000000_initial";

	override async up(): Promise<void> {
		this.addSql(`create table accounts (
			user_id uuid primary key,
			balance bigint not null default 0,
			version integer not null default 1,
			created_at timestamptz not null,
			updated_at timestamptz not null,
			-- the last guard of "the balance never goes negative"; also keeps it JSON-safe
			constraint accounts_balance_range check (balance between 0 and 9007199254740991)
		)`);
		this.addSql(`create table ledger_entries (
			id uuid primary key,
			user_id uuid not null references accounts (user_id),
			type text not null check (type in ('CREDIT', 'DEBIT')),
			amount bigint not null check (amount between 1 and 1000000000000),
			order_id uuid null,
			created_at timestamptz not null,
			constraint ledger_entries_debit_has_order check ((type = 'DEBIT') = (order_id is not null))
		)`);
		// Second guard of exactly-once payment: whatever happens upstream, one DEBIT per order.
		this.addSql(`create unique index ledger_entries_one_debit_per_order on ledger_entries (order_id) where type = 'DEBIT'`);
		this.addSql(`create index ledger_entries_user_id_created_at_idx on ledger_entries (user_id, created_at desc, id desc)`);
		this.addSql(`create table payments (
			order_id uuid primary key,
			user_id uuid not null,
			amount bigint not null,
			outcome text not null check (outcome in ('SUCCEEDED', 'FAILED')),
			reason varchar(40) null,
			created_at timestamptz not null
		)`);
		for (const sql of [...createOutboxTableSql, ...createInboxTableSql, ...createIdempotencyTableSql]) this.addSql(sql);
	}
}
