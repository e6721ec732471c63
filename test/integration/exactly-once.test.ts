/**
 * Guarantee 2, attacked: the same OrderCreated delivered again and again — the very message
 * five more times, then a new envelope for the same order — and a PaymentSucceeded replayed to
 * orders. Exactly one debit, one settlement.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { ORDERS_TOPIC, PAYMENTS_TOPIC } from "../../domain/events/topics.js";
import { userClient } from "../support/http-client.js";
import { produceRaw, watchTopics, type TopicWatch } from "../support/kafka-probe.js";
import { startMesh, type Mesh } from "../support/mesh.js";
import { expectBooksBalance, waitForFinal } from "../support/shop-assertions.js";
import { waitFor } from "../support/wait-for.js";

let mesh: Mesh;
let watch: TopicWatch;

beforeAll(async () => {
	mesh = await startMesh();
	watch = await watchTopics([ORDERS_TOPIC, PAYMENTS_TOPIC]);
});
afterAll(async () => {
	await watch?.stop();
	await mesh?.stop();
});

async function inboxStats() {
	const stats = await mesh.brokers.payments[0].call<{ inbox: { applied: number; duplicates: number } }, object>("payments.stats", {});
	// A local call hands back the live counters; copy them to compare later.
	return { ...stats.inbox };
}

describe("exactly-once effect under redelivery", () => {
	it("debits once however often OrderCreated arrives, under any envelope", async () => {
		const user = userClient(mesh.gatewayUrls[0], randomUUID());
		await user.createAccount();
		await user.deposit(1000);
		const order = (await user.createOrder(400)).body;
		expect((await waitForFinal(user, order.id)).status).toBe("FINISHED");

		const [original] = await waitFor(
			async () => watch.messages.filter(m => m.topic === ORDERS_TOPIC && JSON.parse(m.value).subject === order.id),
			found => found.length === 1,
			{ what: "the original OrderCreated" },
		);
		const before = await inboxStats();

		// The very same message five more times (a redelivery, a replayed topic)...
		const copy = { key: original.key, value: original.value };
		await produceRaw(ORDERS_TOPIC, [copy, copy, copy, copy, copy]);
		// ...and once under a new envelope id, as a producer that crashed and re-sent would do.
		const reissued = { ...JSON.parse(original.value), id: randomUUID(), time: new Date().toISOString() };
		await produceRaw(ORDERS_TOPIC, [{ key: original.key, value: JSON.stringify(reissued) }]);

		await waitFor(inboxStats, s => s.duplicates >= before.duplicates + 5 && s.applied >= before.applied + 1, {
			what: `payments to see all six deliveries (before: ${JSON.stringify(before)})`,
		});
		const ledger = (await user.transactions()).body;
		expect(ledger.filter(e => e.type === "DEBIT")).toHaveLength(1);
		expect((await user.account()).body.balance).toBe(600);
		await expectBooksBalance(user, [{ ...order, status: "FINISHED" }]);
		// No second payment event was published for the re-issued envelope.
		await new Promise(resolve => setTimeout(resolve, 500));
		const results = watch.messages.filter(m => m.topic === PAYMENTS_TOPIC && JSON.parse(m.value).subject === order.id);
		expect(results).toHaveLength(1);
	});

	it("settles an order once however often its payment result arrives", async () => {
		const user = userClient(mesh.gatewayUrls[0], randomUUID());
		await user.createAccount();
		await user.deposit(100);
		const order = (await user.createOrder(100)).body;
		const settled = await waitForFinal(user, order.id);
		expect(settled.status).toBe("FINISHED");

		const [result] = watch.messages.filter(m => m.topic === PAYMENTS_TOPIC && JSON.parse(m.value).subject === order.id);
		// Replays of the success, and a contradicting failure under a fresh envelope id.
		const failure = {
			...JSON.parse(result.value),
			id: randomUUID(),
			type: "gozon.payment.failed",
			data: { orderId: order.id, userId: user.userId, amount: 100, reason: "INSUFFICIENT_FUNDS" },
		};
		await produceRaw(PAYMENTS_TOPIC, [
			{ key: result.key, value: result.value },
			{ key: result.key, value: result.value },
			{ key: result.key, value: JSON.stringify(failure) },
		]);
		const orderStats = () =>
			mesh.brokers.orders[0].call<{ inbox: { applied: number; duplicates: number } }, object>("orders.stats", {});
		await waitFor(orderStats, s => s.inbox.duplicates >= 2, { what: "orders to skip the replays" });
		await new Promise(resolve => setTimeout(resolve, 300));
		const after = (await user.order(order.id)).body;
		expect(after).toMatchObject({ status: "FINISHED", reason: null, updatedAt: settled.updatedAt });
	});
});
