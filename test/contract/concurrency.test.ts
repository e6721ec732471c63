/**
 * Guarantee 3, attacked: many orders and top-ups at once on one account. Optimistic locking
 * (version column, retry with jitter) keeps the balance exact and never negative.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { userClient } from "../support/http-client.js";
import { startMesh, type Mesh } from "../support/mesh.js";
import { expectBooksBalance, waitForAllFinal } from "../support/shop-assertions.js";

let mesh: Mesh;
beforeAll(async () => {
	mesh = await startMesh();
});
afterAll(async () => {
	await mesh?.stop();
});

describe("one account under concurrency", () => {
	it("pays exactly 50 of 100 concurrent orders when the balance covers 50", async () => {
		const user = userClient(mesh.gatewayUrls[0], randomUUID());
		await user.createAccount();
		await user.deposit(50 * 700);
		const created = await Promise.all(Array.from({ length: 100 }, (_, i) => user.createOrder(700, `burst ${i}`)));
		expect(created.map(r => r.status)).toEqual(Array(100).fill(201));

		const orders = await waitForAllFinal(user, 100);
		expect(orders.filter(o => o.status === "FINISHED")).toHaveLength(50);
		const canceled = orders.filter(o => o.status === "CANCELED");
		expect(canceled).toHaveLength(50);
		expect(canceled.every(o => o.reason === "INSUFFICIENT_FUNDS")).toBe(true);
		const books = await expectBooksBalance(user, orders);
		expect(books.balance).toBe(0);
		expect(books.debits).toBe(50);
	});

	it("keeps the books exact with top-ups racing the payments", async () => {
		const user = userClient(mesh.gatewayUrls[0], randomUUID());
		await user.createAccount();
		await user.deposit(1000);
		const requests = Array.from({ length: 120 }, (_, i) => (i % 3 === 0 ? user.deposit(250 + i) : user.createOrder(300 + i, `mixed ${i}`)));
		const results = await Promise.all(requests);
		// A top-up that lost every retry is reported as a conflict, never half-applied.
		expect(results.every(r => r.status === 200 || r.status === 201 || r.status === 409)).toBe(true);

		const orderCount = results.filter(r => r.status === 201).length;
		expect(orderCount).toBe(80);
		const orders = await waitForAllFinal(user, orderCount);
		const books = await expectBooksBalance(user, orders);
		const acceptedDeposits = results.filter((r, i) => i % 3 === 0 && r.status === 200).map((_, i) => 250 + i * 3);
		expect(books.credits).toBe(1000 + results.reduce((sum, r, i) => (i % 3 === 0 && r.status === 200 ? sum + 250 + i : sum), 0));
		expect(acceptedDeposits.length).toBeGreaterThan(0);
		expect(orders.filter(o => o.status === "FINISHED").length).toBe(books.debits);
	});

	it("refuses a second account and keeps the first", async () => {
		const user = userClient(mesh.gatewayUrls[0], randomUUID());
		const attempts = await Promise.all(Array.from({ length: 10 }, () => user.createAccount()));
		expect(attempts.filter(r => r.status === 201)).toHaveLength(1);
		expect(attempts.filter(r => r.status === 409)).toHaveLength(9);
		expect(attempts.find(r => r.status === 409)!.body.type).toBe("ACCOUNT_EXISTS");
	});
});
