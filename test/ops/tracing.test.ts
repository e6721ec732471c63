/**
 * One trace id from the gateway to the last consumer: a request's X-Request-Id (or W3C
 * traceparent) becomes the trace id of the order's calls, rides in the Kafka headers of
 * OrderCreated and of the payment result, and shows up in the JSON log lines of both consumers
 * with the order id. The services run as separate processes, as in `npm run stack`, logging
 * JSON at the level LOG_LEVEL asks for.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { ORDERS_TOPIC, PAYMENTS_TOPIC } from "../../domain/events/topics.js";
import { startInstance, stopInstance, waitUntilReady, type Instance, type InstanceSpec } from "../../infra/local/service-processes.js";
import { request, userClient } from "../support/http-client.js";
import { watchTopics, type TopicWatch } from "../support/kafka-probe.js";
import { freePort } from "../support/mesh.js";
import { waitForFinal } from "../support/shop-assertions.js";
import { waitFor } from "../support/wait-for.js";
import { ownedUserId, type Owner } from "./owned-user.js";

interface LogLine {
	level: string;
	msg: string;
	nodeID?: string;
	traceId?: string;
	orderId?: string;
}

// Node ids of their own: the Kafka client ids of these consumers must be told apart from others'.
const tag = randomUUID().slice(0, 6);
const node = { orders: `orders-${tag}`, payments: `payments-${tag}`, gateway: `gateway-${tag}` };
const owners: Owner[] = [
	{ groupId: "gozon-payments", topic: ORDERS_TOPIC, clientIds: [`gozon-${node.payments}`] },
	{ groupId: "gozon-orders", topic: PAYMENTS_TOPIC, clientIds: [`gozon-${node.orders}`] },
];
const logs = new Map<string, string[]>();
const instances: Instance[] = [];
let baseUrl = "";
let kafka: TopicWatch;

beforeAll(async () => {
	const port = await freePort();
	baseUrl = `http://127.0.0.1:${port}`;
	const env = {
		ORDERS_DB_URL: process.env.ORDERS_DB_URL!,
		PAYMENTS_DB_URL: process.env.PAYMENTS_DB_URL!,
		TRANSPORTER: process.env.TRANSPORTER!,
		KAFKA_BROKERS: process.env.KAFKA_BROKERS!,
		NAMESPACE: `trace-${randomUUID().slice(0, 8)}`,
		PORT: String(port),
		HOST: "127.0.0.1",
		LOG_FORMAT: "json",
	};
	const specs: InstanceSpec[] = [
		{ name: node.orders, services: ["orders"], env: { LOG_LEVEL: "debug" } },
		{ name: node.payments, services: ["payments"], env: { LOG_LEVEL: "debug" } },
		{ name: node.gateway, services: ["gateway"], env: { LOG_LEVEL: "warn" } },
	];
	for (const spec of specs) {
		logs.set(spec.name, []);
		instances.push(startInstance(spec, { env, onLine: (name, line) => logs.get(name)!.push(line) }));
	}
	await Promise.all(instances.map(i => i.started));
	await waitUntilReady(baseUrl);
	kafka = await watchTopics([ORDERS_TOPIC, PAYMENTS_TOPIC]);
});

afterAll(async () => {
	await kafka?.stop();
	await Promise.all(instances.map(i => stopInstance(i)));
});

function jsonLines(name: string): LogLine[] {
	return logs
		.get(name)!
		.filter(line => line.startsWith("{"))
		.map(line => JSON.parse(line) as LogLine);
}

async function orderWithHeaders(headers: Record<string, string>) {
	const user = userClient(baseUrl, await ownedUserId(owners));
	await user.createAccount();
	await user.deposit(1000);
	const created = await request(baseUrl, "POST", "/api/orders", { headers: { "x-user-id": user.userId, ...headers }, body: { amount: 250, description: "traced" } });
	expect(created.status).toBe(201);
	expect((await waitForFinal(user, created.body.id)).status).toBe("FINISHED");
	return { orderId: created.body.id as string, echoed: created.headers.get("x-request-id") };
}

/** The consumer's log line saying it applied `type` for the order, once it is there. */
function appliedLine(node: string, type: string, orderId: string) {
	return waitFor(
		async () => jsonLines(node).find(l => l.orderId === orderId && l.msg.startsWith(`applied ${type}`)),
		line => line !== undefined,
		{ timeoutMs: 15_000, what: `${node} to log that it applied ${type} for order ${orderId}` },
	).then(line => line!);
}

/** `traceHex`: the trace id as W3C traceparent carries it. */
async function expectTraced(traceId: string, traceHex: string, orderId: string) {
	const paid = await appliedLine(node.payments, "gozon.order.created", orderId);
	expect(paid).toMatchObject({ traceId, orderId, level: "debug", nodeID: node.payments });
	const settled = await appliedLine(node.orders, "gozon.payment.succeeded", orderId);
	expect(settled).toMatchObject({ traceId, orderId, nodeID: node.orders });

	const onKafka = await waitFor(
		async () => kafka.messages.filter(m => m.value.includes(orderId)),
		found => found.length >= 2,
		{ what: `both events of order ${orderId} on Kafka` },
	);
	for (const message of onKafka) {
		expect(message.headers["x-trace-id"]).toBe(traceId);
		expect(message.headers.traceparent).toMatch(new RegExp(`^00-${traceHex}-[0-9a-f]{16}-01$`));
	}
}

describe("a trace id set at the gateway", () => {
	it("X-Request-Id reaches both consumers' logs through Kafka", async () => {
		const traceId = randomUUID();
		const { orderId, echoed } = await orderWithHeaders({ "X-Request-Id": traceId });
		expect(echoed).toBe(traceId);
		await expectTraced(traceId, traceId.replace(/-/g, ""), orderId);
	});

	it("a W3C traceparent does the same, and Kafka carries it in W3C form", async () => {
		const traceHex = randomBytes(16).toString("hex");
		const { orderId, echoed } = await orderWithHeaders({ traceparent: `00-${traceHex}-${randomBytes(8).toString("hex")}-01` });
		expect(echoed).toBe(traceHex);
		await expectTraced(traceHex, traceHex, orderId);
	});

	it("logs are JSON lines at the level LOG_LEVEL asks for", () => {
		expect(jsonLines(node.payments).some(l => l.level === "debug")).toBe(true);
		const gateway = jsonLines(node.gateway);
		expect(gateway.every(l => l.level === "warn" || l.level === "error" || l.level === "fatal")).toBe(true);
		// Moleculer's human format, "[2026-…] INFO  node/MOD: …", must not appear.
		for (const name of Object.values(node)) expect(logs.get(name)!.filter(l => /^\[\d{4}-\d\d-\d\dT/.test(l))).toEqual([]);
	});
});
