/**
 * Poison on each consumed topic — bytes that are not JSON, JSON that fails the schema, an
 * unknown event type — goes to `<topic>.dlq` with the reason in a header, and the very next
 * good message on the same partition is processed.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { DLQ_REASON_HEADER, ORDERS_TOPIC, PAYMENTS_TOPIC, dlqTopic } from "../../domain/events/topics.js";
import { userClient } from "../support/http-client.js";
import { produceRaw, watchTopics, type TopicWatch } from "../support/kafka-probe.js";
import { startMesh, type Mesh } from "../support/mesh.js";
import { waitForFinal } from "../support/shop-assertions.js";
import { waitFor } from "../support/wait-for.js";

let mesh: Mesh;
let dlq: TopicWatch;

beforeAll(async () => {
	mesh = await startMesh();
	dlq = await watchTopics([dlqTopic(ORDERS_TOPIC), dlqTopic(PAYMENTS_TOPIC)]);
});
afterAll(async () => {
	await dlq?.stop();
	await mesh?.stop();
});

/** Five kinds of poison; `ownType` is an event type the topic's consumer does accept. */
function poisonFor(userId: string, marker: string, ownType: string) {
	const envelope = (type: string, data: unknown) =>
		JSON.stringify({
			specversion: "1.0",
			id: randomUUID(),
			source: "test/poison",
			type,
			time: new Date().toISOString(),
			subject: marker,
			datacontenttype: "application/json",
			data,
		});
	return [
		{ key: userId, value: `not json ${marker}`, expect: /not valid JSON/ },
		{ key: userId, value: JSON.stringify({ hello: marker }), expect: /envelope/ },
		{ key: userId, value: envelope(ownType, { orderId: marker, userId, amount: -5, description: "x" }), expect: /^data/ },
		{ key: userId, value: envelope("gozon.something.else", { marker }), expect: /unexpected event type/ },
		{ key: userId, value: envelope(ownType, { orderId: randomUUID(), userId, amount: 1e30 }), expect: /^data/ },
	];
}

describe("poison messages", () => {
	it.each([
		["gozon.orders.v1 (consumed by payments)", ORDERS_TOPIC, "gozon.order.created"],
		["gozon.payments.v1 (consumed by orders)", PAYMENTS_TOPIC, "gozon.payment.succeeded"],
	])("dead-letters poison on %s and goes on with the next good message", async (_label, topic, ownType) => {
		const user = userClient(mesh.gatewayUrls[0], randomUUID());
		await user.createAccount();
		await user.deposit(500);
		const marker = randomUUID();
		const poison = poisonFor(user.userId, marker, ownType);
		await produceRaw(
			topic,
			poison.map(p => ({ key: p.key, value: p.value })),
		);
		// Same key, same partition: this order's events queue up behind the poison.
		const order = (await user.createOrder(200)).body;
		expect((await waitForFinal(user, order.id)).status).toBe("FINISHED");

		const dead = await waitFor(
			async () => dlq.messages.filter(m => m.topic === dlqTopic(topic) && m.key === user.userId),
			found => found.length === poison.length,
			{ what: `${poison.length} dead letters on ${dlqTopic(topic)}` },
		);
		for (const p of poison) {
			const letter = dead.find(m => m.value === p.value);
			expect(letter).toBeDefined();
			expect(letter!.headers[DLQ_REASON_HEADER]).toMatch(p.expect);
			expect(letter!.headers["x-dlq-original-topic"]).toBe(topic);
			expect(Number(letter!.headers["x-dlq-original-offset"])).toBeGreaterThanOrEqual(0);
		}
		expect((await user.account()).body.balance).toBe(300);
	});
});
