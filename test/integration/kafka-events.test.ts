/**
 * What crosses Kafka, seen from outside: topic, key (the user id) and the CloudEvents envelope
 * of each event type, exactly as DESIGN.md fixes them.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { ORDERS_TOPIC, PAYMENTS_TOPIC } from "../../domain/events/topics.js";
import { userClient } from "../support/http-client.js";
import { watchTopics, type TopicWatch } from "../support/kafka-probe.js";
import { startMesh, type Mesh } from "../support/mesh.js";
import { waitForFinal } from "../support/shop-assertions.js";
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

const eventsOf = (orderId: string, count: number) =>
	waitFor(
		async () => watch.messages.filter(m => JSON.parse(m.value).subject === orderId),
		found => found.length >= count,
		{ what: `${count} events of order ${orderId} on Kafka` },
	);

describe("events on Kafka", () => {
	it("publishes OrderCreated and PaymentSucceeded keyed by user, as CloudEvents", async () => {
		const user = userClient(mesh.gatewayUrls[0], randomUUID());
		await user.createAccount();
		await user.deposit(1000);
		const order = (await user.createOrder(300, "a book")).body;
		await waitForFinal(user, order.id);

		const events = await eventsOf(order.id, 2);
		const created = events.find(m => m.topic === ORDERS_TOPIC)!;
		const paid = events.find(m => m.topic === PAYMENTS_TOPIC)!;
		expect(created.key).toBe(user.userId);
		expect(JSON.parse(created.value)).toEqual({
			specversion: "1.0",
			id: expect.stringMatching(/^[0-9a-f-]{36}$/),
			source: "gozon/orders",
			type: "gozon.order.created",
			time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/),
			subject: order.id,
			datacontenttype: "application/json",
			data: { orderId: order.id, userId: user.userId, amount: 300, description: "a book" },
		});
		expect(paid.key).toBe(user.userId);
		expect(JSON.parse(paid.value)).toMatchObject({
			specversion: "1.0",
			source: "gozon/payments",
			type: "gozon.payment.succeeded",
			subject: order.id,
			data: { orderId: order.id, userId: user.userId, amount: 300 },
		});
		// One user's events share a partition, so they stay in order.
		expect(paid.partition).toBe(created.partition);
	});

	it("publishes PaymentFailed with the reason", async () => {
		const user = userClient(mesh.gatewayUrls[0], randomUUID());
		const order = (await user.createOrder(50)).body;
		await waitForFinal(user, order.id);
		const [failed] = (await eventsOf(order.id, 2)).filter(m => m.topic === PAYMENTS_TOPIC);
		expect(JSON.parse(failed.value)).toMatchObject({
			type: "gozon.payment.failed",
			data: { orderId: order.id, userId: user.userId, amount: 50, reason: "ACCOUNT_NOT_FOUND" },
		});
	});
});
