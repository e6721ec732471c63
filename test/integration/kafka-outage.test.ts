/**
 * Guarantee 1, attacked: the Kafka broker is stopped while orders are placed. Orders are still
 * accepted (their events wait in the outbox), stay NEW, and all settle once the broker is back,
 * with no relay or consumer restarted by hand.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { isKafkaUp, startKafka, stopKafka } from "../../infra/local/index.js";
import { auditShop } from "../support/audit-shop.js";
import { userClient } from "../support/http-client.js";
import { startMesh, type Mesh } from "../support/mesh.js";
import { expectBooksBalance, waitForAllFinal } from "../support/shop-assertions.js";

const quiet = () => undefined;
let mesh: Mesh;

beforeAll(async () => {
	mesh = await startMesh();
});
afterAll(async () => {
	// Whatever happened, leave a broker behind for the suites that follow.
	if (!(await isKafkaUp())) await startKafka({ log: quiet });
	await mesh?.stop();
});

describe("Kafka down", () => {
	it("accepts orders while the broker is down and settles them after it returns", async () => {
		const user = userClient(mesh.gatewayUrls[0], randomUUID());
		await user.createAccount();
		await user.deposit(1000);

		expect(await stopKafka({ log: quiet })).toBe(true);
		const created = await Promise.all(Array.from({ length: 8 }, (_, i) => user.createOrder(100, `during outage ${i}`)));
		expect(created.map(r => r.status)).toEqual(Array(8).fill(201));

		// Nothing can be paid while the broker is down.
		await new Promise(resolve => setTimeout(resolve, 3000));
		const during = await user.orders("?pageSize=100");
		expect(during.body.rows.map((o: { status: string }) => o.status)).toEqual(Array(8).fill("NEW"));
		const stats = await mesh.brokers.orders[0].call<{ outbox: { pending: number }; relay: { outageErrors: number } }, object>("orders.stats", {});
		expect(stats.outbox.pending).toBeGreaterThanOrEqual(8);
		expect(stats.relay.outageErrors).toBeGreaterThan(0);

		await startKafka({ log: quiet });
		const orders = await waitForAllFinal(user, 8, 90_000);
		expect(orders.every(o => o.status === "FINISHED")).toBe(true);
		const books = await expectBooksBalance(user, orders);
		expect(books.balance).toBe(200);
		expect((await auditShop()).violations).toEqual([]);
	});
});
