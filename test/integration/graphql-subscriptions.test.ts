/**
 * Live order updates over GraphQL subscriptions (graphql-ws over WebSocket) on the full topology
 * with two gateway instances: orders broadcasts each status change on the mesh, and every
 * gateway forwards it to its own subscribers of that user — whichever gateway placed the order.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { ServiceBroker, type ServiceSchema } from "moleculer";
import brokerConfig from "../../moleculer.config.js";
import { config } from "../../infra/config.js";
import { signHs256 } from "../../infra/http/jwt.js";
import type { OrderUpdateHub } from "../../infra/graphql/order-updates.js";
import GatewayService from "../../services/gateway.service.js";
import { createClient } from "graphql-ws";
import WebSocket from "ws";
import { MAX_OPERATIONS_PER_CONNECTION } from "../../infra/graphql/ws-server.js";
import { graphqlUser, subscribe, wsUrl, type Collected } from "../support/graphql-client.js";
import { userClient } from "../support/http-client.js";
import { freePort, startMesh, type Mesh } from "../support/mesh.js";
import { waitFor } from "../support/wait-for.js";

let mesh: Mesh;
const open: Collected[] = [];

const ORDER_UPDATED = "subscription Watch($id: ID) { orderUpdated(id: $id) { id userId amount description status reason updatedAt } }";

/** The hub of live subscriptions inside gateway instance `i`. */
const hub = (i: number) => (mesh.brokers.gateways[i].getLocalService("gateway") as unknown as { orderUpdates: OrderUpdateHub }).orderUpdates;

/** Subscribes through gateway `i` and waits until the gateway holds the subscription. */
async function watch(i: number, params: Record<string, unknown>, variables?: Record<string, unknown>) {
	const before = hub(i).size;
	const sub = subscribe(mesh.gatewayUrls[i], params, ORDER_UPDATED, variables);
	open.push(sub);
	await sub.acknowledged;
	await waitFor(async () => hub(i).size, size => size > before, { what: `the subscription to reach gateway ${i + 1}` });
	return sub;
}

/** A user with an account holding `balance`, through gateway `i`'s REST API. */
async function fundedUser(i: number, balance: number) {
	const user = userClient(mesh.gatewayUrls[i], randomUUID());
	expect((await user.createAccount()).status).toBe(201);
	if (balance > 0) expect((await user.deposit(balance)).status).toBe(200);
	return user;
}

beforeAll(async () => {
	mesh = await startMesh({ gateways: 2 });
});
afterAll(async () => {
	await Promise.all(open.map(s => s.stop().catch(() => {})));
	await mesh?.stop();
});

describe("orderUpdated", () => {
	it("pushes FINISHED to the subscriber on the gateway where the order was placed", async () => {
		const user = graphqlUser(mesh.gatewayUrls[0], randomUUID());
		const sub = await watch(0, { "X-User-Id": user.userId });
		expect(await sub.acknowledged).toEqual({ userId: user.userId });

		await user.run("mutation { createAccount { userId } }");
		await user.run("mutation { deposit(amount: 1000) { balance } }");
		const placed = await user.run('mutation { createOrder(amount: 400, description: "live") { id status } }');
		const orderId = placed.body.data.createOrder.id;
		expect(placed.body.data.createOrder.status).toBe("NEW");

		const [update] = await sub.waitFor(r => r.length >= 1, "the FINISHED push");
		expect(update).toEqual({
			data: {
				orderUpdated: { id: orderId, userId: user.userId, amount: 400, description: "live", status: "FINISHED", reason: null, updatedAt: expect.any(String) },
			},
		});
		expect((await user.run("{ balance }")).body.data.balance).toBe(600);
	});

	it("reaches a subscriber on the other gateway: subscribed on gateway 2, ordered through gateway 1", async () => {
		const user = await fundedUser(0, 500);
		const other = randomUUID();
		const mine = await watch(1, { "X-User-Id": user.userId });
		const mineOnGateway1 = await watch(0, { "x-user-id": user.userId });
		const someoneElse = await watch(1, { "X-User-Id": other });

		const paid = (await user.createOrder(300, "through gateway 1")).body;
		const refused = (await user.createOrder(900, "too expensive")).body;

		const results = await mine.waitFor(r => r.length >= 2, "FINISHED and CANCELED on gateway 2");
		const byId = new Map(results.map(r => [r.data!.orderUpdated.id, r.data!.orderUpdated]));
		expect(byId.get(paid.id)).toMatchObject({ status: "FINISHED", reason: null, amount: 300, userId: user.userId });
		expect(byId.get(refused.id)).toMatchObject({ status: "CANCELED", reason: "INSUFFICIENT_FUNDS", amount: 900 });
		// Every gateway forwards to its own subscribers: gateway 1's got them too.
		await mineOnGateway1.waitFor(r => r.length >= 2, "both pushes on gateway 1");

		// Another user's subscription hears nothing of them.
		await new Promise(resolve => setTimeout(resolve, 500));
		expect(someoneElse.results).toEqual([]);
		expect(mine.results).toHaveLength(2);
	});

	it("follows a single order when given its id", async () => {
		const user = await fundedUser(1, 1000);
		const followed = (await user.createOrder(20, "followed")).body;
		const only = await watch(0, { "X-User-Id": user.userId }, { id: followed.id });
		const all = await watch(1, { "X-User-Id": user.userId });
		const other = (await user.createOrder(30, "not followed")).body;
		await all.waitFor(r => r.some(x => x.data?.orderUpdated.id === other.id), "the other order's push");
		await new Promise(resolve => setTimeout(resolve, 200));
		// The followed order may have settled before the subscription began; the other never shows.
		expect(only.results.every(r => r.data?.orderUpdated.id === followed.id)).toBe(true);
	});

	it("ends cleanly when the client unsubscribes: the gateway keeps nothing", async () => {
		const userId = randomUUID();
		const before = hub(1).size;
		const sub = await watch(1, { "X-User-Id": userId });
		expect(hub(1).size).toBe(before + 1);
		await sub.stop();
		await waitFor(async () => hub(1).size, size => size === before, { what: "the subscription to be released" });
	});
});

describe("the WebSocket connection", () => {
	it("refuses a connection without a usable identity, with 4403 and the reason", async () => {
		for (const [params, reason] of [
			[{}, /X-User-Id connection parameter is required/],
			[{ "X-User-Id": "not-a-uuid" }, /X-User-Id connection parameter must be a UUID/],
		] as const) {
			const sub = subscribe(mesh.gatewayUrls[0], params, ORDER_UPDATED);
			open.push(sub);
			await expect(sub.acknowledged).rejects.toMatchObject({ code: 4403, reason: expect.stringMatching(reason) });
		}
	});

	it("runs queries and mutations too, with the same error codes as over HTTP", async () => {
		const userId = randomUUID();
		const run = async (query: string) => {
			const sub = subscribe(mesh.gatewayUrls[1], { "X-User-Id": userId }, query);
			open.push(sub);
			await waitFor(async () => sub.completed || sub.error !== undefined, done => done, { what: `'${query}' to complete` });
			return sub;
		};
		expect((await run("mutation { createAccount { userId balance } }")).results).toEqual([{ data: { createAccount: { userId, balance: 0 } } }]);
		const notFound = await run(`{ order(id: "${randomUUID()}") { id } }`);
		expect(notFound.results[0].errors![0].extensions).toMatchObject({ code: "NOT_FOUND", type: "ORDER_NOT_FOUND" });
		const money = await run("mutation { deposit(amount: 2.5) { balance } }");
		expect(money.error).toEqual([expect.objectContaining({ extensions: expect.objectContaining({ code: "BAD_USER_INPUT", type: "INVALID_MONEY" }) })]);
		const badId = await run('subscription { orderUpdated(id: "nope") { id } }');
		expect(badId.results[0].errors![0].extensions).toMatchObject({ code: "BAD_USER_INPUT", fields: [{ field: "id" }] });
		const unknown = await run("subscription { nope }");
		expect(unknown.error).toEqual([expect.objectContaining({ extensions: expect.objectContaining({ code: "GRAPHQL_VALIDATION_FAILED" }) })]);
	});

	it("caps the operations one connection may run at once", async () => {
		const client = createClient({ url: wsUrl(mesh.gatewayUrls[0]), webSocketImpl: WebSocket, connectionParams: { "X-User-Id": randomUUID() }, retryAttempts: 0 });
		const errors: unknown[] = [];
		const disposers = Array.from({ length: MAX_OPERATIONS_PER_CONNECTION + 1 }, () =>
			client.subscribe({ query: ORDER_UPDATED }, { next: () => {}, error: err => void errors.push(err), complete: () => {} }),
		);
		try {
			await waitFor(async () => errors.length, n => n >= 1, { what: "the refused operation" });
			await new Promise(resolve => setTimeout(resolve, 200));
			expect(errors).toEqual([[expect.objectContaining({ extensions: { code: "TOO_MANY_REQUESTS" } })]]);
		} finally {
			disposers.forEach(dispose => dispose());
			await client.dispose();
		}
	});

	it("takes a bearer token in the connection params when a JWT secret is configured, and refuses a bare X-User-Id", async () => {
		const saved = config.jwtSecret;
		config.jwtSecret = "graphql-ws-test-secret";
		try {
			const userId = randomUUID();
			const bare = subscribe(mesh.gatewayUrls[0], { "X-User-Id": userId }, ORDER_UPDATED);
			open.push(bare);
			await expect(bare.acknowledged).rejects.toMatchObject({ code: 4403, reason: expect.stringMatching(/bearer token is required/) });

			const token = signHs256({ sub: userId, exp: Math.floor(Date.now() / 1000) + 300 }, config.jwtSecret);
			const sub = await watch(0, { authorization: `Bearer ${token}` });
			expect(await sub.acknowledged).toEqual({ userId });

			const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
			await fetch(`${mesh.gatewayUrls[1]}/api/accounts`, { method: "POST", headers });
			await fetch(`${mesh.gatewayUrls[1]}/api/accounts/me/deposits`, { method: "POST", headers, body: JSON.stringify({ amount: 50 }) });
			const order = await (await fetch(`${mesh.gatewayUrls[1]}/api/orders`, { method: "POST", headers, body: JSON.stringify({ amount: 50, description: "jwt" }) })).json();
			const [update] = await sub.waitFor(r => r.length >= 1, "the push to the JWT user");
			expect(update.data!.orderUpdated).toMatchObject({ id: (order as { id: string }).id, status: "FINISHED" });
		} finally {
			config.jwtSecret = saved;
		}
	});

	it("closes live connections (1001) when a gateway stops, without holding the stop up", async () => {
		const port = await freePort();
		const broker = new ServiceBroker({ ...brokerConfig, namespace: mesh.namespace, nodeID: "gateway-extra", logLevel: "warn" });
		broker.createService({ ...GatewayService, settings: { ...GatewayService.settings, port, ip: "127.0.0.1" } } as ServiceSchema);
		await broker.start();
		const sub = subscribe(`http://127.0.0.1:${port}`, { "X-User-Id": randomUUID() }, ORDER_UPDATED);
		open.push(sub);
		await sub.acknowledged;
		const started = Date.now();
		await broker.stop();
		expect(Date.now() - started).toBeLessThan(5000);
		await waitFor(async () => sub.error, err => err !== undefined, { what: "the client to see the close" });
		expect(sub.error).toMatchObject({ code: 1001 });
	});
});
