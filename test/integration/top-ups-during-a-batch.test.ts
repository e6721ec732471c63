/**
 * Guarantee 3 against the batched consumer: payments applies a backlog of OrderCreated in
 * transactions that each change many accounts, while those users top up as fast as they can.
 * No top-up may be lost to a batch's write of the balance, or the reverse: for every account,
 * balance = credits − debits ≥ 0, and every FINISHED order has exactly one DEBIT.
 *
 * The backlog is what orders.create leaves after an outage: order rows and their OrderCreated
 * outbox rows, committed together (here in one transaction, so the relay publishes them at once).
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import pg from "pg";
import { createEnvelope } from "../../domain/events/envelope.js";
import { ORDER_CREATED } from "../../domain/events/event-types.js";
import { ORDERS_TOPIC } from "../../domain/events/topics.js";
import { OUTBOX_NOTIFY_CHANNEL } from "../../mixins/outbox/outbox-table.sql.js";
import { userClient, type UserClient } from "../support/http-client.js";
import { startMesh, type Mesh } from "../support/mesh.js";
import { expectBooksBalance, waitForAllFinal } from "../support/shop-assertions.js";

const ORDERS_PER_USER_AND_ROUND = 5;
const ROUNDS = 5;

let mesh: Mesh;
let ordersDb: pg.Client;
beforeAll(async () => {
	mesh = await startMesh();
	ordersDb = new pg.Client({ connectionString: process.env.ORDERS_DB_URL });
	await ordersDb.connect();
});
afterAll(async () => {
	await ordersDb?.end();
	await mesh?.stop();
});

/** Orders and their OrderCreated events, committed together as orders.create does, all at once. */
async function commitBacklog(users: UserClient[]) {
	const rows = users.flatMap(u =>
		Array.from({ length: ORDERS_PER_USER_AND_ROUND }, () => {
			const orderId = randomUUID();
			const event = createEnvelope({ source: "gozon/orders", type: ORDER_CREATED, subject: orderId, data: { orderId, userId: u.userId, amount: 100, description: "backlog" } });
			return { orderId, userId: u.userId, event };
		}),
	);
	await ordersDb.query("begin");
	for (const r of rows) {
		await ordersDb.query(`insert into orders (id, user_id, amount, description, status, created_at, updated_at) values ($1, $2, 100, 'backlog', 'NEW', now(), now())`, [r.orderId, r.userId]);
		await ordersDb.query(`insert into outbox_messages (id, topic, key, payload) values ($1, $2, $3, $4::jsonb)`, [r.event.id, ORDERS_TOPIC, r.userId, JSON.stringify(r.event)]);
	}
	await ordersDb.query(`select pg_notify($1, '')`, [OUTBOX_NOTIFY_CHANNEL]);
	await ordersDb.query("commit");
}

describe("top-ups while batches of payments are applied", () => {
	it("loses no top-up and no debit across many accounts", async () => {
		const users = Array.from({ length: 40 }, () => userClient(mesh.gatewayUrls[0], randomUUID()));
		await Promise.all(users.map(async u => (await u.createAccount(), await u.deposit(100_000))));
		for (let round = 0; round < ROUNDS; round++) {
			const results = await Promise.all([commitBacklog(users).then(() => ({ status: 200 })), ...users.flatMap(u => Array.from({ length: 8 }, () => u.deposit(7)))]);
			// A top-up that lost every retry is refused as a conflict, never half-applied.
			expect(results.every(r => r.status === 200 || r.status === 409)).toBe(true);
		}
		for (const user of users) {
			const orders = await waitForAllFinal(user, ORDERS_PER_USER_AND_ROUND * ROUNDS);
			expect(orders.every(o => o.status === "FINISHED")).toBe(true);
			await expectBooksBalance(user, orders);
		}
	});
});
