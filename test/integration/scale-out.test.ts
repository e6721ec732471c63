/**
 * Two instances of each service over NATS: calls are balanced across them, the Kafka consumer
 * groups split the partitions, and still no order is paid or settled twice.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { userClient } from "../support/http-client.js";
import { startMesh, type Mesh } from "../support/mesh.js";
import { expectBooksBalance, waitForAllFinal } from "../support/shop-assertions.js";
import { waitFor } from "../support/wait-for.js";

let mesh: Mesh;
beforeAll(async () => {
	mesh = await startMesh({ orders: 2, payments: 2, gateways: 1 });
});
afterAll(async () => {
	await mesh?.stop();
});

type Stats = { nodeID: string; inbox: { applied: number; duplicates: number } };

async function statsOf(service: "orders" | "payments"): Promise<Stats[]> {
	const brokers = mesh.brokers[service];
	return Promise.all(brokers.map(b => b.call<Stats, object>(`${service}.stats`, {}, { nodeID: b.nodeID }).then(s => ({ ...s, inbox: { ...s.inbox } }))));
}

describe("two instances of each service", () => {
	it("share the work with no double processing", async () => {
		const before = { orders: await statsOf("orders"), payments: await statsOf("payments") };
		const users = Array.from({ length: 12 }, () => userClient(mesh.gatewayUrls[0], randomUUID()));
		await Promise.all(users.map(async u => (await u.createAccount(), await u.deposit(1000))));
		const created = await Promise.all(users.flatMap(u => Array.from({ length: 5 }, (_, i) => u.createOrder(150, `scale ${i}`))));
		expect(created.every(r => r.status === 201)).toBe(true);

		for (const u of users) {
			const orders = await waitForAllFinal(u, 5);
			// 1000 pays for six orders of 150: all five are paid, each exactly once.
			expect(orders.every(o => o.status === "FINISHED")).toBe(true);
			const books = await expectBooksBalance(u, orders);
			expect(books.balance).toBe(250);
		}

		const after = await waitFor(
			async () => ({ orders: await statsOf("orders"), payments: await statsOf("payments") }),
			s => s.payments.reduce((n, p, i) => n + p.inbox.applied - before.payments[i].inbox.applied, 0) >= 60,
			{ what: "payments to apply all 60 orders" },
		);
		const appliedBy = (service: "orders" | "payments") => after[service].map((s, i) => s.inbox.applied - before[service][i].inbox.applied);
		// Both instances of each service took a share of the partitions...
		expect(appliedBy("payments").every(n => n > 0)).toBe(true);
		expect(appliedBy("orders").every(n => n > 0)).toBe(true);
		// ...and between them applied each event once.
		expect(appliedBy("payments").reduce((a, b) => a + b)).toBe(60);
		expect(appliedBy("orders").reduce((a, b) => a + b)).toBe(60);
	});
});
