/**
 * The statements of paying a consumed batch of orders, written so that the whole batch costs two
 * round trips besides the inbox and the outbox: one read (`readBatch`) and one write (the rows
 * below, sent with the balances by `writeBalances`). Each round trip is a wake-up of two
 * processes; through the entity manager the same work took five (two finds, a flush of two
 * tables, the balance update).
 */
import { uuidKey } from "../../domain/uuid-key.js";
import { pgArray, runStatement } from "../../infra/db/run-statement.js";
import type { SqlEntityManager, SqlWrite } from "../../mixins/orm.mixin.js";

export interface AccountState {
	userId: string;
	balance: number;
	/** The version the balance was read at: the balance write is guarded by it. */
	version: number;
}

export interface BatchState {
	/** The batch users' accounts, by uuidKey of the user id. */
	accounts: Map<string, AccountState>;
	/** uuidKeys of the batch's orders that were already decided (an OrderCreated seen again under a new envelope). */
	decided: Set<string>;
}

/** Reads the batch users' accounts and which of its orders were already decided, in ONE statement. */
export async function readBatch(em: SqlEntityManager, orderIds: string[], userIds: string[]): Promise<BatchState> {
	// `in ()` is not SQL: an empty batch has nothing to read.
	if (orderIds.length === 0 || userIds.length === 0) return { accounts: new Map(), decided: new Set() };
	const rows = await runStatement<{ user_id: string | null; balance: string | null; version: number | null; decided_order_id: string | null }>(
		em,
		`select user_id, balance, version, null::uuid as decided_order_id from accounts where user_id = any(?::uuid[])
		 union all
		 select null, null, null, order_id from payments where order_id = any(?::uuid[])`,
		[pgArray(userIds), pgArray(orderIds)],
	);
	const state: BatchState = { accounts: new Map(), decided: new Set() };
	for (const row of rows) {
		if (row.decided_order_id) state.decided.add(uuidKey(row.decided_order_id));
		else state.accounts.set(uuidKey(row.user_id!), { userId: row.user_id!, balance: Number(row.balance), version: Number(row.version) });
	}
	return state;
}

export interface PaymentRow {
	orderId: string;
	userId: string;
	amount: number;
	outcome: "SUCCEEDED" | "FAILED";
	reason: string | null;
}

export interface DebitRow {
	id: string;
	userId: string;
	amount: number;
	orderId: string;
}

/** The decisions: one row per order, keyed by order id, so an order is never decided twice. */
export function insertPayments(rows: PaymentRow[], at: Date): SqlWrite[] {
	if (rows.length === 0) return [];
	return [
		{
			sql: `insert into payments (order_id, user_id, amount, outcome, reason, created_at)
			      select order_id, user_id, amount, outcome, reason, ?::timestamptz
			        from unnest(?::uuid[], ?::uuid[], ?::bigint[], ?::text[], ?::text[]) as p (order_id, user_id, amount, outcome, reason)`,
			params: [at, pgArray(rows.map(r => r.orderId)), pgArray(rows.map(r => r.userId)), pgArray(rows.map(r => r.amount)), pgArray(rows.map(r => r.outcome)), pgArray(rows.map(r => r.reason))],
		},
	];
}

/** The ledger's DEBITs of the paid orders (its unique index allows one per order). */
export function insertDebits(rows: DebitRow[], at: Date): SqlWrite[] {
	if (rows.length === 0) return [];
	return [
		{
			sql: `insert into ledger_entries (id, user_id, type, amount, order_id, created_at)
			      select id, user_id, 'DEBIT', amount, order_id, ?::timestamptz
			        from unnest(?::uuid[], ?::uuid[], ?::bigint[], ?::uuid[]) as d (id, user_id, amount, order_id)`,
			params: [at, pgArray(rows.map(r => r.id)), pgArray(rows.map(r => r.userId)), pgArray(rows.map(r => r.amount)), pgArray(rows.map(r => r.orderId))],
		},
	];
}
