/**
 * The REST contract's main flow: an order is paid asynchronously and settles FINISHED, or
 * CANCELED with a reason; listing, idempotency keys and readiness. Runs in both modes: the
 * full topology (NATS, Kafka, PostgreSQL) and the embedded one-process default.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { userClient } from "../support/http-client.js";
import { startMesh, type Mesh } from "../support/mesh.js";
import { expectBooksBalance, waitForFinal } from "../support/shop-assertions.js";

let mesh: Mesh;
const user = () => userClient(mesh.gatewayUrls[0], randomUUID());

beforeAll(async () => {
	mesh = await startMesh();
});
afterAll(async () => {
	await mesh?.stop();
});

describe("order → payment → status", () => {
	it("pays an order from a funded account: FINISHED, balance and ledger right", async () => {
		const alice = user();
		expect((await alice.createAccount()).status).toBe(201);
		expect((await alice.deposit(1000)).body).toEqual({ balance: 1000 });

		const created = await alice.createOrder(300, "a book");
		expect(created.status).toBe(201);
		expect(created.headers.get("location")).toBe(`/api/orders/${created.body.id}`);
		expect(created.body).toMatchObject({ userId: alice.userId, amount: 300, description: "a book", status: "NEW" });

		const settled = await waitForFinal(alice, created.body.id);
		expect(settled).toMatchObject({ status: "FINISHED", reason: null });
		expect((await alice.account()).body.balance).toBe(700);
		const ledger = (await alice.transactions()).body;
		expect(ledger.map(e => [e.type, e.amount])).toEqual([
			["DEBIT", 300],
			["CREDIT", 1000],
		]);
		expect(ledger[0].orderId).toBe(created.body.id);
		await expectBooksBalance(alice, [settled]);
	});

	it("cancels an order the balance cannot cover, with INSUFFICIENT_FUNDS, and debits nothing", async () => {
		const bob = user();
		await bob.createAccount();
		await bob.deposit(100);
		const created = await bob.createOrder(101);
		const settled = await waitForFinal(bob, created.body.id);
		expect(settled).toMatchObject({ status: "CANCELED", reason: "INSUFFICIENT_FUNDS" });
		expect((await bob.account()).body.balance).toBe(100);
		expect((await bob.transactions()).body.filter(e => e.type === "DEBIT")).toHaveLength(0);
	});

	it("cancels an order of a user without an account, with ACCOUNT_NOT_FOUND", async () => {
		const carol = user();
		const created = await carol.createOrder(50);
		const settled = await waitForFinal(carol, created.body.id);
		expect(settled).toMatchObject({ status: "CANCELED", reason: "ACCOUNT_NOT_FOUND" });
		expect((await carol.account()).status).toBe(404);
	});

	it("lists a user's orders newest first with paging", async () => {
		const dave = user();
		await dave.createAccount();
		const ids: string[] = [];
		for (let i = 0; i < 5; i++) ids.push((await dave.createOrder(10 + i, `order ${i}`)).body.id);
		const page1 = await dave.orders("?page=1&pageSize=2");
		expect(page1.body).toMatchObject({ total: 5, page: 1, pageSize: 2, totalPages: 3 });
		expect(page1.body.rows.map((o: { id: string }) => o.id)).toEqual([ids[4], ids[3]]);
		const page3 = await dave.orders("?page=3&pageSize=2");
		expect(page3.body.rows.map((o: { id: string }) => o.id)).toEqual([ids[0]]);
	});

	it("answers the same Idempotency-Key with the first result and no second effect", async () => {
		const erin = user();
		await erin.createAccount();
		const key = randomUUID();
		const first = await erin.deposit(500, key);
		const again = await erin.deposit(500, key);
		expect(first.body).toEqual({ balance: 500 });
		expect(again.status).toBe(200);
		expect(again.body).toEqual({ balance: 500 });
		expect((await erin.account()).body.balance).toBe(500);

		const orderKey = randomUUID();
		const [o1, o2] = await Promise.all([erin.createOrder(100, "once", orderKey), erin.createOrder(100, "once", orderKey)]);
		expect(o1.body.id).toBe(o2.body.id);
		expect((await erin.orders()).body.total).toBe(1);

		const reused = await erin.createOrder(999, "other", orderKey);
		expect(reused.status).toBe(422);
		expect(reused.body.data[0].field).toBe("Idempotency-Key");
		await waitForFinal(erin, o1.body.id);
		expect((await erin.account()).body.balance).toBe(400);
	});

	it("reports readiness of every dependency", async () => {
		const ready = await fetch(`${mesh.gatewayUrls[0]}/api/ready`);
		expect(ready.status).toBe(200);
		expect(await ready.json()).toMatchObject({ status: "ready", down: [] });
	});
});
