/**
 * Each node's Prometheus endpoint exposes Gozon's metrics next to Moleculer's, and the figures
 * move as an order goes through: the settlement and its latency, the outbox publications and
 * their lag, the inbox applications, a redelivered event skipped, a poison message
 * dead-lettered, optimistic-lock retries under concurrent top-ups, and the orders by status.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { ServiceBroker, type ServiceSchema } from "moleculer";
import brokerConfig from "../../moleculer.config.js";
import { ORDERS_TOPIC, PAYMENTS_TOPIC } from "../../domain/events/topics.js";
import { metricsOptions, metricsPort } from "../../infra/observability/broker-options.js";
import GatewayService from "../../services/gateway.service.js";
import OrdersService from "../../services/orders.service.js";
import PaymentsService from "../../services/payments.service.js";
import { userClient } from "../support/http-client.js";
import { produceRaw, watchTopics, type TopicWatch } from "../support/kafka-probe.js";
import { freePort } from "../support/mesh.js";
import { waitForFinal } from "../support/shop-assertions.js";
import { waitFor } from "../support/wait-for.js";
import { ownedUserId, type Owner } from "./owned-user.js";
import { has, scrape, valueOf, type Series } from "./prometheus-text.js";

// Node ids of their own: the Kafka client ids of these consumers must be told apart from others'.
const tag = randomUUID().slice(0, 6);
const nodeID = (name: string) => `${name}-${tag}`;
// The nodes share this process's Kafka client, named after whichever opened it first.
const clientIds = ["orders", "payments", "gateway"].map(name => `gozon-${nodeID(name)}`);
const paymentsConsumer: Owner = { groupId: "gozon-payments", topic: ORDERS_TOPIC, clientIds };
const ordersConsumer: Owner = { groupId: "gozon-orders", topic: PAYMENTS_TOPIC, clientIds };
const brokers: ServiceBroker[] = [];
const metricsUrl: Record<"orders" | "payments" | "gateway", string> = { orders: "", payments: "", gateway: "" };
let gatewayUrl = "";
let payments: TopicWatch;

beforeAll(async () => {
	// The gauges are sampled from the database; sample often so the test need not wait.
	process.env.METRICS_SAMPLE_MS = "200";
	const namespace = `metrics-${randomUUID().slice(0, 8)}`;
	const httpPort = await freePort();
	const node = async (name: keyof typeof metricsUrl, schema: ServiceSchema) => {
		const port = await freePort();
		metricsUrl[name] = `http://127.0.0.1:${port}/metrics`;
		const broker = new ServiceBroker({ ...brokerConfig, namespace, nodeID: nodeID(name), logLevel: "warn", metrics: metricsOptions(port) });
		broker.createService(schema);
		brokers.push(broker);
	};
	await node("orders", OrdersService as ServiceSchema);
	await node("payments", PaymentsService as ServiceSchema);
	await node("gateway", { ...GatewayService, settings: { ...GatewayService.settings, port: httpPort, ip: "127.0.0.1" } } as ServiceSchema);
	gatewayUrl = `http://127.0.0.1:${httpPort}`;
	await Promise.all(brokers.map(b => b.start()));
	await brokers[2].waitForServices(["orders", "payments"], 30_000);
	payments = await watchTopics([PAYMENTS_TOPIC]);
});

afterAll(async () => {
	await payments?.stop();
	await Promise.all(brokers.map(b => b.stop()));
});

/** Scrapes until `done` holds; the relay and the samplers act a moment after the HTTP answer. */
function scrapeUntil(url: string, done: (s: Series[]) => boolean, what: string) {
	return waitFor(() => scrape(url), done, { timeoutMs: 30_000, intervalMs: 200, what });
}

describe("the Prometheus endpoint", () => {
	it("serves Moleculer's metrics and Gozon's on every node", async () => {
		const gateway = await scrape(metricsUrl.gateway);
		expect(has(gateway, "moleculer_broker_started", { nodeID: nodeID("gateway") })).toBe(true);
		const orders = await scrapeUntil(metricsUrl.orders, s => has(s, "gozon_orders", { status: "NEW" }), "the orders gauge");
		expect(has(orders, "gozon_orders", { status: "NEW", nodeID: nodeID("orders") })).toBe(true);
		// Final statuses are counted as they happen (gozon_orders_settled_total), never by scanning the table.
		for (const status of ["FINISHED", "CANCELED"]) expect(has(orders, "gozon_orders", { status })).toBe(false);
		expect(has(orders, "gozon_outbox_pending", { service: "orders" })).toBe(true);
		expect(has(orders, "gozon_outbox_oldest_pending_seconds", { service: "orders" })).toBe(true);
		const pay = await scrape(metricsUrl.payments);
		expect(has(pay, "gozon_outbox_parked", { service: "payments" })).toBe(true);
	});

	it("moves when an order settles", async () => {
		const user = userClient(gatewayUrl, await ownedUserId([paymentsConsumer, ordersConsumer]));
		await user.createAccount();
		await user.deposit(1000);
		const [orders0, payments0] = await Promise.all([scrape(metricsUrl.orders), scrape(metricsUrl.payments)]);
		const finished = { status: "FINISHED" };

		const order = (await user.createOrder(300)).body;
		expect((await waitForFinal(user, order.id)).status).toBe("FINISHED");

		const orders = await scrapeUntil(
			metricsUrl.orders,
			s =>
				valueOf(s, "gozon_orders_settled_total", finished) >= valueOf(orders0, "gozon_orders_settled_total", finished) + 1,
			"the settlement in the orders metrics",
		);
		expect(valueOf(orders, "gozon_order_settle_seconds_count", finished)).toBeGreaterThan(valueOf(orders0, "gozon_order_settle_seconds_count", finished));
		expect(valueOf(orders, "gozon_order_settle_seconds_sum", finished)).toBeGreaterThan(0);
		expect(has(orders, "gozon_order_settle_seconds_bucket", { ...finished, le: "+Inf" })).toBe(true);
		const ordersOut = { service: "orders", topic: ORDERS_TOPIC };
		expect(valueOf(orders, "gozon_outbox_published_total", ordersOut)).toBeGreaterThan(valueOf(orders0, "gozon_outbox_published_total", ordersOut));
		expect(valueOf(orders, "gozon_outbox_publish_lag_seconds_count", ordersOut)).toBeGreaterThan(valueOf(orders0, "gozon_outbox_publish_lag_seconds_count", ordersOut));
		const ordersIn = { service: "orders", topic: PAYMENTS_TOPIC };
		expect(valueOf(orders, "gozon_inbox_applied_total", ordersIn)).toBeGreaterThan(valueOf(orders0, "gozon_inbox_applied_total", ordersIn));

		const pay = await scrapeUntil(
			metricsUrl.payments,
			s => valueOf(s, "gozon_outbox_published_total", { service: "payments" }) > valueOf(payments0, "gozon_outbox_published_total", { service: "payments" }),
			"the payment's publication in the payments metrics",
		);
		const paymentsIn = { service: "payments", topic: ORDERS_TOPIC };
		expect(valueOf(pay, "gozon_inbox_applied_total", paymentsIn)).toBeGreaterThan(valueOf(payments0, "gozon_inbox_applied_total", paymentsIn));

		// The same PaymentSucceeded again: the orders inbox recognises it and counts the skip.
		const result = await waitFor(
			async () => payments.messages.find(m => m.key === user.userId && m.value.includes(order.id)),
			m => m !== undefined,
			{ what: "the payment result on Kafka" },
		);
		await produceRaw(PAYMENTS_TOPIC, [{ key: result!.key, value: result!.value, headers: result!.headers }]);
		await scrapeUntil(
			metricsUrl.orders,
			s => valueOf(s, "gozon_inbox_duplicates_total", ordersIn) >= valueOf(orders0, "gozon_inbox_duplicates_total", ordersIn) + 1,
			"the duplicate to be counted",
		);
	});

	it("counts dead letters and optimistic-lock retries", async () => {
		const user = userClient(gatewayUrl, await ownedUserId([paymentsConsumer]));
		await user.createAccount();
		const before = await scrape(metricsUrl.payments);
		const poison = { service: "payments", topic: ORDERS_TOPIC };
		await produceRaw(ORDERS_TOPIC, [{ key: user.userId, value: `not json ${randomUUID()}` }]);
		// Concurrent top-ups of one account race for its version; the losers are retried.
		const deposits = await Promise.all(Array.from({ length: 25 }, () => user.deposit(10)));
		expect(deposits.every(d => d.status === 200)).toBe(true);
		const after = await scrapeUntil(
			metricsUrl.payments,
			s => valueOf(s, "gozon_dlq_messages_total", poison) >= valueOf(before, "gozon_dlq_messages_total", poison) + 1,
			"the dead letter to be counted",
		);
		const retries = { service: "payments", source: "action" };
		expect(valueOf(after, "gozon_optimistic_lock_retries_total", retries)).toBeGreaterThan(valueOf(before, "gozon_optimistic_lock_retries_total", retries));
	});
});

describe("the metrics port", () => {
	it("defaults to 3030 on gateway nodes only, and METRICS_PORT overrides it", () => {
		expect(metricsPort({ SERVICES: "gateway" })).toBe(3030);
		expect(metricsPort({})).toBe(3030);
		expect(metricsPort({ SERVICES: "orders" })).toBeUndefined();
		expect(metricsPort({ SERVICES: "orders", METRICS_PORT: "9100" })).toBe(9100);
		expect(metricsPort({ SERVICES: "gateway", METRICS_PORT: "off" })).toBeUndefined();
		expect(metricsPort({ SERVICES: "gateway", NODE_ENV: "test" })).toBeUndefined();
		expect(() => metricsPort({ METRICS_PORT: "http" })).toThrow(/METRICS_PORT/);
	});
});
