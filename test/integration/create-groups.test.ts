/**
 * Orders placed at the same time share one statement (group commit), against real PostgreSQL,
 * NATS and Kafka. Attacked: a burst must take fewer statements than orders and still give each
 * order exactly one row and one OrderCreated event; a bad call in a group (an Idempotency-Key
 * reused for another request) must fail alone while the others in its group are written; the
 * same key twice in one group must make one order; a key whose first use commits while the
 * statement waits on it must be answered with that first use's order.
 *
 * Calls are handed to the orders service's group directly where the test must decide which
 * calls share a statement: the first `maxInFlight` calls start at once, alone, and the ones
 * submitted in the same tick behind them form the next group.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import pg from "pg";
import type { GroupCommit } from "../../mixins/group-commit/group-commit.js";
import { ORDER_CREATED } from "../../domain/events/event-types.js";
import { config } from "../../infra/config.js";
import { hashRequest } from "../../mixins/idempotency/run-idempotent.js";
import { userClient } from "../support/http-client.js";
import { startMesh, type Mesh } from "../support/mesh.js";
import { expectBooksBalance, waitForAllFinal } from "../support/shop-assertions.js";

interface CreateCall {
	params: { userId: string; amount: number; description: string; idempotencyKey?: string };
	traceHeaders: Record<string, string>;
}
type Answer = { id: string; amount: number } | { error: string };

let mesh: Mesh;
let db: pg.Client;
let group: GroupCommit<CreateCall, { id: string; amount: number }>;

beforeAll(async () => {
	mesh = await startMesh({ orders: 1 });
	group = (mesh.brokers.orders[0].getLocalService("orders") as unknown as { createGroup: typeof group }).createGroup;
	db = new pg.Client({ connectionString: process.env.ORDERS_DB_URL });
	await db.connect();
});
afterAll(async () => {
	await db?.end();
	await mesh?.stop();
});

async function fundedUser(balance: number) {
	const user = userClient(mesh.gatewayUrls[0], randomUUID());
	expect((await user.createAccount()).status).toBe(201);
	expect((await user.deposit(balance)).status).toBe(200);
	return user;
}

/** Starts `maxInFlight` lone calls, then submits `calls` in the same tick: they form one group. */
async function submitAsOneGroup(userId: string, calls: Omit<CreateCall["params"], "userId">[]): Promise<Answer[]> {
	const fillers = Array.from({ length: config.createGroup.maxInFlight }, (_, i) => ({ amount: 1, description: `filler ${i}` }));
	const answers = [...fillers, ...calls].map(params =>
		group.submit({ params: { userId, ...params }, traceHeaders: {} }).then(
			(view): Answer => view,
			(err: Error & { type?: string }): Answer => ({ error: err.type ?? err.message }),
		),
	);
	return (await Promise.all(answers)).slice(fillers.length);
}

async function rowsOf(userId: string) {
	const orders = await db.query<{ id: string; amount: string }>(`select id, amount from orders where user_id = $1`, [userId]);
	const events = await db.query<{ subject: string }>(
		`select payload->>'subject' as subject from outbox_messages where payload->>'type' = $1 and key = $2`,
		[ORDER_CREATED, userId],
	);
	return { orderIds: orders.rows.map(r => r.id).sort(), eventSubjects: events.rows.map(r => r.subject).sort() };
}

describe("orders placed at the same time share a statement", () => {
	it("writes a burst in fewer statements than orders, each order with exactly one event", async () => {
		const user = await fundedUser(100_000);
		const before = { ...group.stats };
		const created = await Promise.all(Array.from({ length: 60 }, (_, i) => user.createOrder(10 + i, `burst ${i}`)));
		expect(created.map(r => r.status)).toEqual(Array(60).fill(201));
		const transactions = group.stats.transactions - before.transactions;
		expect(group.stats.calls - before.calls).toBe(60);
		expect(transactions).toBeLessThan(60);

		const { orderIds, eventSubjects } = await rowsOf(user.userId);
		expect(orderIds).toEqual(created.map(r => r.body.id).sort());
		expect(eventSubjects).toEqual(orderIds);
		const orders = await waitForAllFinal(user, 60);
		expect(orders.every(o => o.status === "FINISHED")).toBe(true);
		await expectBooksBalance(user, orders);
	});

	it("fails only the bad call of a group; the others in it are written", async () => {
		const user = await fundedUser(100_000);
		const key = randomUUID();
		const before = { ...group.stats };
		const [first, repeat, reused, unkeyed] = await submitAsOneGroup(user.userId, [
			{ amount: 100, description: "keyed", idempotencyKey: key },
			{ amount: 100, description: "keyed", idempotencyKey: key },
			{ amount: 999, description: "keyed", idempotencyKey: key },
			{ amount: 200, description: "no key" },
		]);
		// One statement answered them all: the reused key failed alone, with no rerun.
		expect(group.stats.splits - before.splits).toBe(0);
		expect(group.stats.transactions - before.transactions).toBe(config.createGroup.maxInFlight + 1);
		expect(reused).toEqual({ error: "IDEMPOTENCY_KEY_REUSED" });
		expect(first).toMatchObject({ amount: 100 });
		expect(repeat).toEqual(first);
		expect(unkeyed).toMatchObject({ amount: 200 });

		const { orderIds, eventSubjects } = await rowsOf(user.userId);
		const fillerIds = orderIds.filter(id => id !== (first as { id: string }).id && id !== (unkeyed as { id: string }).id);
		expect(fillerIds).toHaveLength(config.createGroup.maxInFlight);
		expect(eventSubjects).toEqual(orderIds);
		const orders = await waitForAllFinal(user, orderIds.length);
		await expectBooksBalance(user, orders);
	});

	it("makes one order of the same key twice in one group, with no retry", async () => {
		const user = await fundedUser(100_000);
		const key = randomUUID();
		const before = { ...group.stats };
		const answers = await submitAsOneGroup(user.userId, [
			{ amount: 300, description: "same key", idempotencyKey: key },
			{ amount: 300, description: "same key", idempotencyKey: key },
			{ amount: 400, description: "no key" },
		]);
		expect(group.stats.splits - before.splits).toBe(0);
		expect(group.stats.transactions - before.transactions).toBe(config.createGroup.maxInFlight + 1);
		expect(answers[1]).toEqual(answers[0]);
		const { orderIds, eventSubjects } = await rowsOf(user.userId);
		expect(orderIds).toHaveLength(config.createGroup.maxInFlight + 2);
		expect(eventSubjects).toEqual(orderIds);
		const orders = await waitForAllFinal(user, orderIds.length);
		await expectBooksBalance(user, orders);
	});

	it("answers a key whose first use commits while the statement waits for it with that first use", async () => {
		const user = await fundedUser(100_000);
		const key = randomUUID();
		const first = { id: randomUUID(), userId: user.userId, amount: 500, description: "first use", status: "NEW", reason: null, createdAt: new Date().toISOString(), updatedAt: new Date().toISOString() };
		// Another writer holds the key, uncommitted: the statement's claim must wait for it.
		const holder = new pg.Client({ connectionString: process.env.ORDERS_DB_URL });
		await holder.connect();
		try {
			await holder.query("begin");
			await holder.query(
				`insert into idempotency_keys (user_id, scope, key, request_hash, response) values ($1, 'orders.create', $2, $3, $4)`,
				[user.userId, key, hashRequest({ amount: 500, description: "first use" }), JSON.stringify(first)],
			);
			const answer = group.submit({ params: { userId: user.userId, amount: 500, description: "first use", idempotencyKey: key }, traceHeaders: {} });
			await waitForLockWait(holder);
			await holder.query("commit");
			// Its snapshot predates the commit: only a read after it finds the stored answer.
			expect(await answer).toEqual(first);
		} finally {
			await holder.end();
		}
		const { orderIds } = await rowsOf(user.userId);
		expect(orderIds).toEqual([]);
	});
});

/** Waits until some backend waits for a lock the holder's transaction holds. */
async function waitForLockWait(holder: pg.Client) {
	const { rows: [{ pid }] } = await holder.query<{ pid: number }>("select pg_backend_pid() as pid");
	for (let i = 0; i < 200; i++) {
		const { rows } = await db.query(`select 1 from pg_stat_activity where $1 = any(pg_blocking_pids(pid))`, [pid]);
		if (rows.length > 0) return;
		await new Promise(resolve => setTimeout(resolve, 25));
	}
	throw new Error("no statement came to wait for the held key");
}
