/**
 * Writes a group of new orders, their OrderCreated outbox rows and their Idempotency-Key claims
 * in ONE statement (data-modifying CTEs). A single statement is atomic on its own: it commits
 * whole or not at all, exactly like the transaction it replaces, without the BEGIN and COMMIT
 * round trips (four round trips per group became one).
 *
 * An order whose key was claimed before (a repeat, or a key reused for another request) is not
 * written, and neither is its event: the statement answers with the stored response instead when
 * its snapshot can see it. A key claimed by a statement that committed while this one ran (a
 * concurrent repeat) is skipped all the same, since `on conflict do nothing` waits for that
 * writer, but its row is not in this statement's snapshot; the caller reads those afterwards.
 */
import type { OrderView } from "../../domain/orders/order.entity.js";
import type { StoredResponse } from "../../mixins/idempotency/run-idempotent.js";
import { pgArray, runStatement } from "../../infra/db/run-statement.js";
import type { SqlEntityManager } from "../../mixins/orm.mixin.js";
import { outboxInsertFrom, type NewOutboxRow, type OutboxLease, type OutboxRow } from "../../mixins/outbox/enqueue-event.js";

/** The Idempotency-Key scope of creating an order. */
export const CREATE_SCOPE = "orders.create";

export interface NewOrder {
	/** The order as its caller is answered: status NEW, timestamps set. */
	view: OrderView;
	/** Its OrderCreated event. */
	event: NewOutboxRow;
	idempotency?: { key: string; requestHash: string };
}

export type InsertOutcome =
	| { written: true; event: OutboxRow }
	/** Not written: its key was taken; `stored` is the key's answer when this statement could see it. */
	| { written: false; stored?: StoredResponse<OrderView> };

/** `orders` must not use one user's key twice: the claim would take it once and both would pass. */
export async function insertOrders(em: SqlEntityManager, orders: NewOrder[], lease?: OutboxLease): Promise<InsertOutcome[]> {
	if (orders.length === 0) return [];
	// One array per column, so the statement's text is the same for any group (run-statement.ts).
	const column = (value: (order: NewOrder, n: number) => string | number | Date | null) => pgArray(orders.map(value));
	const inputParams = [
		column((_, n) => n),
		column(o => o.view.id),
		column(o => o.view.userId),
		column(o => o.view.amount),
		column(o => o.view.description),
		column(o => o.view.createdAt),
		column(o => o.idempotency?.key ?? null),
		column(o => o.idempotency?.requestHash ?? null),
		column(o => (o.idempotency ? JSON.stringify(o.view) : null)),
		column(o => o.event.id),
		column(o => o.event.topic),
		column(o => o.event.key),
		column(o => o.event.payloadText),
		column(o => JSON.stringify(o.event.headers)),
	];
	const events = outboxInsertFrom("(select event_id as id, topic, event_key as key, payload, headers from accepted) as e", [], lease);
	const rows = await runStatement<{ n: number; seq: string | null; request_hash: string | null; response: OrderView | null }>(
		em,
		`with input (n, id, user_id, amount, description, created_at, idem_key, request_hash, response, event_id, topic, event_key, payload, headers) as (
		      select * from unnest(?::int[], ?::uuid[], ?::uuid[], ?::bigint[], ?::text[], ?::timestamptz[], ?::text[], ?::text[], ?::jsonb[], ?::uuid[], ?::text[], ?::text[], ?::jsonb[], ?::jsonb[])),
		  claimed as (
		      insert into idempotency_keys (user_id, scope, key, request_hash, response)
		      select user_id, ?::text, idem_key, request_hash, response from input where idem_key is not null
		      -- one order of claims for every writer: two groups with the same keys cannot deadlock
		      order by user_id, idem_key
		      on conflict do nothing
		      returning user_id, key),
		  accepted as (
		      select * from input i
		       where i.idem_key is null or exists (select 1 from claimed c where c.user_id = i.user_id and c.key = i.idem_key)),
		  new_orders as (
		      insert into orders (id, user_id, amount, description, status, created_at, updated_at)
		      select id, user_id, amount, description, 'NEW', created_at, created_at from accepted),
		  events as (${events.sql})
		select i.n, e.seq, k.request_hash, k.response
		  from input i
		  left join events e on e.id = i.event_id
		  left join idempotency_keys k on e.seq is null and k.user_id = i.user_id and k.scope = ?::text and k.key = i.idem_key
		 order by i.n`,
		[...inputParams, CREATE_SCOPE, ...events.params, CREATE_SCOPE],
	);
	return rows.map(row => {
		if (row.seq !== null) return { written: true, event: { ...orders[row.n].event, seq: String(row.seq) } };
		return row.request_hash === null ? { written: false } : { written: false, stored: { requestHash: row.request_hash, response: row.response! } };
	});
}
