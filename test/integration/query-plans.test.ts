/**
 * The hot path's statements keep good plans as their tables grow from empty, on a server where
 * ANALYZE never runs (autovacuum is off here, as on many test and benchmark machines).
 *
 * A prepared statement run five times gets a generic plan that PostgreSQL keeps until the next
 * ANALYZE; made against a table of one page it read the whole table on every later execution
 * (infra/db/plan-each-execution.ts). And a count of parked outbox rows over a table without
 * statistics read the whole outbox on every metrics sample (mixins/outbox/outbox-backlog.ts).
 * Each database here is new, its tables empty and never analyzed.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import pg from "pg";
import { createFreshDatabases, databaseUrl, dropDatabases } from "../../bench/fresh-databases.js";
import { AccountSchema } from "../../domain/payments/account.entity.js";
import { LedgerEntrySchema } from "../../domain/payments/ledger-entry.entity.js";
import { PaymentSchema } from "../../domain/payments/payment.entity.js";
import { OrderSchema } from "../../domain/orders/order.entity.js";
import { openDatabase, type Database } from "../../infra/db/open-database.js";
import { ordersMigrations } from "../../migrations/orders/index.js";
import { paymentsMigrations } from "../../migrations/payments/index.js";
import { readOutboxBacklog } from "../../mixins/outbox/outbox-backlog.js";
import type { SqlEntityManager } from "../../mixins/orm.mixin.js";
import { readBatch } from "../../services/payments/batch-statements.js";

const suffix = randomUUID().slice(0, 8);
const names = { payments: `gozon_plans_payments_${suffix}`, orders: `gozon_plans_orders_${suffix}` };
let admin: pg.Client;
const opened: Database[] = [];

beforeAll(async () => {
	admin = new pg.Client({ connectionString: process.env.ORDERS_DB_URL });
	await admin.connect();
	await createFreshDatabases(admin, Object.values(names));
});
afterAll(async () => {
	await Promise.all(opened.map(db => db.close()));
	await dropDatabases(admin, Object.values(names));
	await admin.end();
});

/** Runs `sql` on a connection of its own to the named database. */
async function direct<T>(name: string, sql: string, params: unknown[] = []): Promise<T[]> {
	const client = new pg.Client({ connectionString: databaseUrl(process.env.ORDERS_DB_URL!, name) });
	await client.connect();
	try {
		return (await client.query(sql, params)).rows as T[];
	} finally {
		await client.end();
	}
}

/** The plan's nodes, flattened: each with its type and relation. */
function nodesOf(plan: Record<string, unknown>): { type: string; relation?: string }[] {
	const children = (plan.Plans as Record<string, unknown>[] | undefined) ?? [];
	return [{ type: String(plan["Node Type"]), relation: plan["Relation Name"] as string | undefined }, ...children.flatMap(nodesOf)];
}

describe("query plans on tables that grew from empty", () => {
	it("the payments read looks orders up by their key after the table grew, though it ran on a table of one page first", async () => {
		// One connection: the prepared statement the service ran is the one examined.
		const db = await openDatabase({
			service: "payments",
			url: databaseUrl(process.env.PAYMENTS_DB_URL!, names.payments),
			dataDir: "unused",
			entities: [AccountSchema, LedgerEntrySchema, PaymentSchema],
			migrations: paymentsMigrations,
			poolSize: 1,
		});
		opened.push(db);
		const em = () => db.em.fork() as SqlEntityManager;
		const addPayments = (count: number) =>
			direct(
				names.payments,
				`insert into payments (order_id, user_id, amount, outcome, created_at)
				 select gen_random_uuid(), gen_random_uuid(), 1, 'SUCCEEDED', now() from generate_series(1, $1::int)`,
				[count],
			);
		// The first orders of a new shop: a table of one page, which is cheaper read whole.
		await addPayments(50);
		// More than the five executions after which PostgreSQL would settle on a generic plan.
		for (let i = 0; i < 8; i++) await readBatch(em(), [randomUUID(), randomUUID()], [randomUUID()]);

		await addPayments(50_000);
		const [known] = await direct<{ order_id: string }>(names.payments, `select order_id from payments limit 1`);
		const state = await readBatch(em(), [known.order_id, randomUUID()], [randomUUID()]);
		expect([...state.decided]).toHaveLength(1);

		const [prepared] = await em().execute<{ name: string }[]>(`select name from pg_prepared_statements where statement like '%from payments where order_id%'`);
		expect(prepared).toBeDefined();
		const [explained] = await em().execute<{ "QUERY PLAN": [{ Plan: Record<string, unknown> }] }[]>(
			`explain (format json) execute ${prepared.name}('{${randomUUID()}}', '{${known.order_id},${randomUUID()}}')`,
		);
		const onPayments = nodesOf(explained["QUERY PLAN"][0].Plan).filter(node => node.relation === "payments");
		expect(onPayments.length).toBeGreaterThan(0);
		expect(onPayments.map(node => node.type)).not.toContain("Seq Scan");
	});

	it("the outbox backlog is counted off its partial indexes, not by reading the table", async () => {
		const db = await openDatabase({
			service: "orders",
			url: databaseUrl(process.env.ORDERS_DB_URL!, names.orders),
			dataDir: "unused",
			entities: [OrderSchema],
			migrations: ordersMigrations,
			poolSize: 1,
		});
		opened.push(db);
		await direct(
			names.orders,
			`insert into outbox_messages (id, topic, key, payload, published_at)
			 select gen_random_uuid(), 'gozon.orders.v1', 'k', '{}'::jsonb, case when n % 1000 = 0 then null else now() end
			   from generate_series(1, 20000) as n`,
		);
		await direct(names.orders, `update outbox_messages set parked_at = now(), published_at = null where seq in (select seq from outbox_messages where published_at is null limit 3)`);

		// The connection's counters not yet reported (they include its own earlier work, so the difference counts).
		const seqScansSoFar = async (tx: SqlEntityManager) =>
			Number((await tx.execute<{ seq: string }[]>(`select coalesce(sum(seq_scan), 0) as seq from pg_stat_xact_user_tables where relname = 'outbox_messages'`))[0].seq);
		const { backlog, seqScans } = await (db.em.fork() as SqlEntityManager).transactional(async tx => {
			const before = await seqScansSoFar(tx);
			const backlog = await readOutboxBacklog(tx);
			return { backlog, seqScans: (await seqScansSoFar(tx)) - before };
		});
		expect(backlog.pending).toBe(17);
		expect(backlog.parked).toBe(3);
		expect(backlog.oldestPendingAgeMs).not.toBeNull();
		expect(seqScans).toBe(0);
	});
});
