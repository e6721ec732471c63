/**
 * Moves orders to their final status in ONE statement, each row only if it is still NEW and
 * belongs to the user the payment names: a compare-and-set on the status, so a final status
 * never changes whatever arrives later, and a payment result for someone else's order changes
 * nothing. The transition itself is the domain's (`settle` in domain/orders/order-status.ts);
 * this only applies it.
 *
 * The same statement runs the inbox's `record` (inbox.mixin.ts): it remembers the results'
 * envelope ids and settles only by the results seen for the first time: a single statement commits whole
 * or not at all, so no transaction is needed around it (one round trip where BEGIN, the inbox
 * insert, the update and COMMIT took four).
 */
import { Order, toOrderView, type OrderView } from "../../domain/orders/order.entity.js";
import { pgArray, runStatement } from "../../infra/db/run-statement.js";
import type { SqlEntityManager, SqlWrite } from "../../mixins/orm.mixin.js";

export interface Settlement {
	orderId: string;
	userId: string;
	status: "FINISHED" | "CANCELED";
	reason: string | null;
	/** The envelope id of the payment result that asks for it. */
	eventId: string;
}

export interface SettleOutcome {
	/** The orders that changed, as views. */
	views: OrderView[];
	/** The envelope ids `record` returned: the results seen for the first time. */
	fresh: string[];
}

/** Applies the settlements (one per order) by the results `record` sees for the first time. */
export async function settleOrders(em: SqlEntityManager, settlements: Settlement[], record: SqlWrite): Promise<SettleOutcome> {
	if (settlements.length === 0) throw new Error("settleOrders needs at least one settlement");
	const column = (value: (s: Settlement) => string | null) => pgArray(settlements.map(value));
	// The entity's columns, named: a prepared statement keeps the columns it was prepared with, so
	// `o.*` would fail on every connection once a migration added a column to orders while this
	// instance ran ("cached plan must not change result type").
	const orderColumns = em.getMetadata(Order).props.flatMap(prop => prop.fieldNames ?? []);
	// The ids `record` saw come back once, on one row: on every row they would make a batch of n
	// results parse n² ids.
	const rows = await runStatement<Record<string, unknown> & { fresh: string[] | null }>(
		em,
		`with recorded as (${record.sql}),
		  settled as (
		      update orders as o
		         set status = v.status, reason = v.reason, updated_at = ?::timestamptz
		        from unnest(?::uuid[], ?::uuid[], ?::uuid[], ?::text[], ?::text[]) as v (event_id, id, user_id, status, reason)
		       where o.id = v.id and o.user_id = v.user_id and o.status = 'NEW'
		         and v.event_id in (select event_id from recorded)
		      returning ${orderColumns.map(c => `o.${c}`).join(", ")})
		select ${orderColumns.map(c => `s.${c}`).join(", ")}, case when s.nth is null or s.nth = 1 then f.fresh end as fresh
		  from (select coalesce(array_agg(event_id::text), '{}') as fresh from recorded) as f
		  left join (select *, row_number() over () as nth from settled) as s on true`,
		[...record.params, new Date(), column(s => s.eventId), column(s => s.orderId), column(s => s.userId), column(s => s.status), column(s => s.reason)],
	);
	return {
		views: rows.filter(row => row.id !== null).map(({ fresh: _fresh, ...row }) => toOrderView(em.map(Order, row))),
		fresh: rows.find(row => row.fresh !== null)?.fresh ?? [],
	};
}
