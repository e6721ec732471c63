/**
 * The same three transactions per order as the pgbench limit (pgbench-commit-rate.ts), sent by
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
	const tx = async (pool: pg.Pool, statements: [string, unknown[]][]) => {
		const client = await pool.connect();
		try {
			await client.query("begin");
			for (const [sql, params] of statements) await client.query(sql, params);
			await client.query("commit");
		} catch (err) {
			await client.query("rollback").catch(() => undefined);
			throw err;
		} finally {
			client.release();
		}
	};
	let i = 0;
	const result = await closedLoop(
		opts.clients,
		opts.durationMs,
		async () => {
			const userId = users[i++ % users.length];
			const orderId = randomUUID();
			const t = new Date();
			await tx(orders, [
				[`insert into orders (id, user_id, amount, description, status, created_at, updated_at) values ($1, $2, 1, 'bench', 'NEW', $3, $3)`, [orderId, userId, t]],
				[`insert into outbox_messages (id, topic, key, payload, published_at) values ($1, 'gozon.bench.limit', $2, $3::jsonb, now())`, [randomUUID(), userId, envelope("gozon.order.created", orderId, userId)]],
			]);
			await tx(payments, [
				[`insert into inbox_messages (event_id, type, source, topic) values ($1, 'gozon.order.created', 'bench', 'bench') on conflict do nothing`, [randomUUID()]],
				[`select balance, version from accounts where user_id = $1`, [userId]],
				[`update accounts set balance = balance - 1, version = version + 1, updated_at = $2 where user_id = $1`, [userId, t]],
				[`insert into ledger_entries (id, user_id, type, amount, order_id, created_at) values ($1, $2, 'DEBIT', 1, $3, $4)`, [randomUUID(), userId, orderId, t]],
				[`insert into payments (order_id, user_id, amount, outcome, created_at) values ($1, $2, 1, 'SUCCEEDED', $3)`, [orderId, userId, t]],
				[`insert into outbox_messages (id, topic, key, payload, published_at) values ($1, 'gozon.bench.limit', $2, $3::jsonb, now())`, [randomUUID(), userId, envelope("gozon.payment.succeeded", orderId, userId)]],
			]);
			await tx(orders, [
				[`insert into inbox_messages (event_id, type, source, topic) values ($1, 'gozon.payment.succeeded', 'bench', 'bench') on conflict do nothing`, [randomUUID()]],
				[`update orders set status = 'FINISHED', updated_at = $2 where id = $1 and status = 'NEW'`, [orderId, t]],
			]);
		},
		opts.onTick,
	);
	await Promise.all([orders.end(), payments.end()]);
	const ordersPerSecond = rate(result.ok, result.durationMs);
	return { ordersPerSecond, transactionsPerSecond: ordersPerSecond * 3, clients: opts.clients };
}
