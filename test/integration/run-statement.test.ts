/**
 * The hot path's statements run prepared (infra/db/run-statement.ts): their text must be the same
 * for any batch, so that each is parsed once per connection, and the arrays they take
 * must bring every value back exactly as it was sent. A statement text that changed with the
 * batch size would leave one prepared statement per size (this test counts them); a quoting bug
 * would change a value (this test compares them).
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { UniqueConstraintViolationException } from "@mikro-orm/core";
import type { PostgreSqlConnection } from "@mikro-orm/postgresql";
import pg from "pg";
import { createFreshDatabases, databaseUrl, dropDatabases } from "../../bench/fresh-databases.js";
import { PAYMENT_SUCCEEDED } from "../../domain/events/event-types.js";
import { PAYMENTS_TOPIC } from "../../domain/events/topics.js";
import { Order } from "../../domain/orders/order.entity.js";
import { settleOrders } from "../../services/orders/settle-orders.js";
import { createEnvelope } from "../../domain/events/envelope.js";
import { ORDER_CREATED } from "../../domain/events/event-types.js";
import { OrderSchema } from "../../domain/orders/order.entity.js";
import { openDatabase, type Database } from "../../infra/db/open-database.js";
import { pgArray, runStatement } from "../../infra/db/run-statement.js";
import { ordersMigrations } from "../../migrations/orders/index.js";
import { recordDeliveries } from "../../mixins/inbox/record-deliveries.js";
import type { SqlEntityManager } from "../../mixins/orm.mixin.js";

let db: Database;
beforeAll(async () => {
	// One connection: what it has prepared is what every statement here has used.
	db = await openDatabase({ service: "orders", url: process.env.ORDERS_DB_URL, dataDir: "unused", entities: [OrderSchema], migrations: ordersMigrations, poolSize: 1 });
});
afterAll(async () => {
	await db?.close();
});

const em = () => db.em.fork() as SqlEntityManager;
const preparedOfThisTest = async () =>
	(await runStatement<{ statement: string }>(em(), "select statement from pg_prepared_statements where statement like ?::text", ["%inbox_messages%unnest%"])).length;

const orderCreated = () => {
	const orderId = randomUUID();
	return createEnvelope({ source: "gozon/orders", type: ORDER_CREATED, subject: orderId, data: { orderId, userId: randomUUID(), amount: 1, description: "prepared" } });
};

describe("runStatement", () => {
	it("prepares a batch statement once per connection, whatever the batch size", async () => {
		const before = await preparedOfThisTest();
		for (const size of [1, 3, 17]) {
			const events = Array.from({ length: size }, orderCreated);
			const record = recordDeliveries(events, "gozon.orders.v1");
			const rows = await runStatement<{ event_id: string }>(em(), record.sql, record.params);
			expect(rows.map(r => r.event_id).sort()).toEqual(events.map(e => e.id).sort());
		}
		expect((await preparedOfThisTest()) - before).toBe(1);
	});

	it("brings back every value of an array as it was sent", async () => {
		const texts = ['plain', 'say "hi"', "back\\slash", "{braced,comma}", "NULL", "", "ünïcödé ✓", "line\nbreak", JSON.stringify({ a: 'q"z\\', b: [1, null] })];
		const rows = await runStatement<{ t: string | null }>(em(), "select t from unnest(?::text[]) with ordinality as u (t, n) order by n", [pgArray([...texts, null])]);
		expect(rows.map(r => r.t)).toEqual([...texts, null]);
		const json = await runStatement<{ j: unknown }>(em(), "select j from unnest(?::jsonb[]) with ordinality as u (j, n) order by n", [pgArray([texts[8]])]);
		expect(json[0].j).toEqual(JSON.parse(texts[8]));
	});

	it("answers with MikroORM's errors, as em.execute does", async () => {
		const id = randomUUID();
		const insert = "insert into idempotency_keys (user_id, scope, key, request_hash, response) values (?::uuid, 'test', ?::text, 'h', '{}'::jsonb)";
		await runStatement(em(), insert, [id, "k"]);
		await expect(runStatement(em(), insert, [id, "k"])).rejects.toBeInstanceOf(UniqueConstraintViolationException);
		await em().execute("delete from idempotency_keys where user_id = ?", [id]);
	});

	it("runs inside a transaction on the transaction's connection", async () => {
		const events = [orderCreated()];
		const record = recordDeliveries(events, "gozon.orders.v1");
		await expect(
			db.em.fork().transactional(async tx => {
				await runStatement(tx, record.sql, record.params);
				throw new Error("roll back");
			}),
		).rejects.toThrow("roll back");
		const seen = await runStatement(em(), "select 1 from inbox_messages where event_id = ?::uuid", [events[0].id]);
		expect(seen).toHaveLength(0);
	});

	it("fails a statement whose connection drops without a word, and the process and the pool go on", async () => {
		const pool = await (db.em.getConnection() as PostgreSqlConnection).getNativeClient();
		const taken = new Promise<pg.PoolClient>(resolve => pool.once("acquire", resolve));
		const sleeping = runStatement(em(), "select pg_sleep(?::float8)", [2]);
		// The socket ends with no error message from the server first (a reset, a killed container).
		(await taken as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
		await expect(sleeping).rejects.toThrow();
		const [row] = await runStatement<{ ok: number }>(em(), "select ?::int as ok", [1]);
		expect(row.ok).toBe(1);
	});
});

describe("a prepared settle statement and a migration that adds a column to orders", () => {
	it("goes on settling on the same connection after the column is added", async () => {
		const admin = new pg.Client({ connectionString: process.env.ORDERS_DB_URL });
		await admin.connect();
		const name = `gozon_test_prepared_${randomUUID().slice(0, 8)}`;
		await createFreshDatabases(admin, [name]);
		const own = await openDatabase({ service: "orders", url: databaseUrl(process.env.ORDERS_DB_URL!, name), dataDir: "unused", entities: [OrderSchema], migrations: ordersMigrations, poolSize: 1 });
		try {
			const settleOne = async () => {
				const order = own.em.fork().create(Order, { id: randomUUID(), userId: randomUUID(), amount: 1, description: "prepared", status: "NEW" });
				await own.em.fork().persist(order).flush();
				const event = createEnvelope({ source: "gozon/payments", type: PAYMENT_SUCCEEDED, subject: order.id, data: { orderId: order.id, userId: order.userId, amount: 1 } });
				const settled = await settleOrders(own.em.fork() as SqlEntityManager, [{ orderId: order.id, userId: order.userId, status: "FINISHED", reason: null, eventId: event.id }], recordDeliveries([event], PAYMENTS_TOPIC));
				return settled.views.map(v => v.status);
			};
			expect(await settleOne()).toEqual(["FINISHED"]);
			await own.em.fork().getConnection().execute("alter table orders add column added_later int");
			expect(await settleOne()).toEqual(["FINISHED"]);
		} finally {
			await own.close();
			await dropDatabases(admin, [name]);
			await admin.end();
		}
	});
});
