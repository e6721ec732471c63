/**
 * The same three steps per order as the pgbench limit (pgbench-commit-rate.ts), sent by
 * concurrent clients through `pg`, the driver the services use, from one Node process with no
 * services in between. The gap between this figure and pgbench's is what the driver's round
 * trips and one JavaScript thread cost before any service code runs.
 */
import { randomUUID } from "node:crypto";
import pg from "pg";
import { closedLoop, rate } from "../load.js";

export interface CommitRate {
	ordersPerSecond: number;
	transactionsPerSecond: number;
	clients: number;
}

/** The event an outbox row of the limits carries, the size of a real one. */
export const envelope = (type: string, orderId: string, userId: string) =>
	JSON.stringify({ specversion: "1.0", id: randomUUID(), source: "bench", type, time: new Date().toISOString(), subject: orderId, datacontenttype: "application/json", data: { orderId, userId, amount: 1, description: "bench" } });

export async function measurePostgresCommitRate(opts: { ordersUrl: string; paymentsUrl: string; clients: number; durationMs: number; onTick?: (n: number) => void }): Promise<CommitRate> {
	const orders = new pg.Pool({ connectionString: opts.ordersUrl, max: opts.clients });
	const payments = new pg.Pool({ connectionString: opts.paymentsUrl, max: opts.clients });
	const users = Array.from({ length: 200 }, () => randomUUID());
	const now = new Date();
	for (const u of users) {
		await payments.query(`insert into accounts (user_id, balance, version, created_at, updated_at) values ($1, 1000000000, 1, $2, $2)`, [u, now]);
		await payments.query(`insert into ledger_entries (id, user_id, type, amount, created_at) values ($1, $2, 'CREDIT', 1000000000, $3)`, [randomUUID(), u, now]);
	}
	let i = 0;
	// Each step as one statement with no transaction around it, as the services send it (see
	// pgbench-commit-rate.ts), one order at a time.
	const result = await closedLoop(
		opts.clients,
		opts.durationMs,
		async () => {
			const userId = users[i++ % users.length];
			const orderId = randomUUID();
			const t = new Date();
			await orders.query(
				`with new_order as (
				   insert into orders (id, user_id, amount, description, status, created_at, updated_at) values ($1, $2, 1, 'bench', 'NEW', $3, $3) returning id)
				 insert into outbox_messages (id, topic, key, payload, published_at) select $4, 'gozon.bench.limit', $2, $5::jsonb, now() from new_order`,
				[orderId, userId, t, randomUUID(), envelope("gozon.order.created", orderId, userId)],
			);
			const { rows } = await payments.query(
				`select user_id, balance, version, null::uuid as decided from accounts where user_id = $1
				 union all select null, null, null, order_id from payments where order_id = $2`,
				[userId, orderId],
			);
			await payments.query(
				`with recorded as (
				   insert into inbox_messages (event_id, type, source, topic) values ($1, 'gozon.order.created', 'bench', 'bench') on conflict do nothing returning event_id),
				 paid as (insert into payments (order_id, user_id, amount, outcome, created_at) values ($3, $2, 1, 'SUCCEEDED', $4)),
				 debited as (insert into ledger_entries (id, user_id, type, amount, order_id, created_at) values ($5, $2, 'DEBIT', 1, $3, $4)),
				 balanced as (update accounts set balance = balance - 1, version = version + 1, updated_at = $4 where user_id = $2 returning user_id),
				 events as (insert into outbox_messages (id, topic, key, payload, published_at) values ($6, 'gozon.bench.limit', $2, $7::jsonb, now()) returning seq, id)
				 select (select count(*) from recorded), (select count(*) from events), raise_conflict_unless((select count(*) from balanced) = 1, 'accounts changed concurrently')`,
				[randomUUID(), userId, orderId, t, randomUUID(), randomUUID(), envelope("gozon.payment.succeeded", orderId, userId)],
			);
			if (rows.length === 0) throw new Error("the limit's account is missing");
			await orders.query(
				`with recorded as (
				   insert into inbox_messages (event_id, type, source, topic) values ($1, 'gozon.payment.succeeded', 'bench', 'bench') on conflict do nothing returning event_id)
				 update orders set status = 'FINISHED', updated_at = $3 where id = $2 and status = 'NEW' and exists (select 1 from recorded)`,
				[randomUUID(), orderId, t],
			);
		},
		opts.onTick,
	);
	await Promise.all([orders.end(), payments.end()]);
	const ordersPerSecond = rate(result.ok, result.durationMs);
	return { ordersPerSecond, transactionsPerSecond: ordersPerSecond * 3, clients: opts.clients };
}
