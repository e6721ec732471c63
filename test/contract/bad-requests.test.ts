/**
 * Guarantee 5, attacked: a table of bad requests. Each gets its 4xx with a JSON error naming the
 * field, no request gets a 5xx, and the books and orders are exactly as before.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { request, userClient, type UserClient } from "../support/http-client.js";
import { startMesh, type Mesh } from "../support/mesh.js";
import { waitForFinal } from "../support/shop-assertions.js";

let mesh: Mesh;
let victim: UserClient;
let stranger: UserClient;
let victimOrderId: string;

interface BadRequest {
	name: string;
	method: string;
	path: string | (() => string);
	headers?: Record<string, string>;
	body?: unknown;
	rawBody?: string;
	status: number;
	field?: string;
}

const json = { "content-type": "application/json" };
const as = (id: string) => ({ "x-user-id": id, ...json });

const cases = (): BadRequest[] => {
	const me = as(victim.userId);
	return [
		{ name: "no X-User-Id", method: "POST", path: "/api/orders", headers: json, body: { amount: 1, description: "x" }, status: 401, field: "X-User-Id" },
		{ name: "empty X-User-Id", method: "POST", path: "/api/orders", headers: { "x-user-id": "", ...json }, body: { amount: 1, description: "x" }, status: 401, field: "X-User-Id" },
		{ name: "X-User-Id not a UUID", method: "GET", path: "/api/accounts/me", headers: { "x-user-id": "alice" }, status: 400, field: "X-User-Id" },
		{ name: "X-User-Id almost a UUID", method: "GET", path: "/api/orders", headers: { "x-user-id": `${randomUUID()}0` }, status: 400, field: "X-User-Id" },
		{ name: "X-User-Id SQL", method: "GET", path: "/api/orders", headers: { "x-user-id": "' or 1=1 --" }, status: 400, field: "X-User-Id" },
		{ name: "malformed JSON", method: "POST", path: "/api/orders", headers: me, rawBody: '{"amount": 1,', status: 400, field: "body" },
		{ name: "JSON array body", method: "POST", path: "/api/orders", headers: me, rawBody: "[1, 2]", status: 400 },
		{ name: "JSON string body", method: "POST", path: "/api/orders", headers: me, rawBody: '"hello"', status: 400, field: "body" },
		{ name: "amount missing", method: "POST", path: "/api/orders", headers: me, body: { description: "x" }, status: 400, field: "amount" },
		{ name: "amount as string", method: "POST", path: "/api/orders", headers: me, body: { amount: "100", description: "x" }, status: 400, field: "amount" },
		{ name: "amount zero", method: "POST", path: "/api/orders", headers: me, body: { amount: 0, description: "x" }, status: 400, field: "amount" },
		{ name: "amount negative", method: "POST", path: "/api/orders", headers: me, body: { amount: -5, description: "x" }, status: 400, field: "amount" },
		{ name: "amount fractional", method: "POST", path: "/api/orders", headers: me, body: { amount: 10.5, description: "x" }, status: 400, field: "amount" },
		{ name: "amount over the maximum", method: "POST", path: "/api/orders", headers: me, body: { amount: 1_000_000_000_001, description: "x" }, status: 400, field: "amount" },
		{ name: "amount huge", method: "POST", path: "/api/orders", headers: me, rawBody: '{"amount": 1e300, "description": "x"}', status: 400, field: "amount" },
		{ name: "amount null", method: "POST", path: "/api/orders", headers: me, body: { amount: null, description: "x" }, status: 400, field: "amount" },
		{ name: "amount boolean", method: "POST", path: "/api/orders", headers: me, body: { amount: true, description: "x" }, status: 400, field: "amount" },
		{ name: "description missing", method: "POST", path: "/api/orders", headers: me, body: { amount: 5 }, status: 400, field: "description" },
		{ name: "description overlong", method: "POST", path: "/api/orders", headers: me, body: { amount: 5, description: "x".repeat(501) }, status: 400, field: "description" },
		{ name: "description with a NUL character", method: "POST", path: "/api/orders", headers: me, body: { amount: 5, description: "a\u0000b" }, status: 400, field: "description" },
		{ name: "description not a string", method: "POST", path: "/api/orders", headers: me, body: { amount: 5, description: 42 }, status: 400, field: "description" },
		{ name: "unknown field", method: "POST", path: "/api/orders", headers: me, body: { amount: 5, description: "x", coupon: "FREE" }, status: 400, field: "coupon" },
		{ name: "userId smuggled in the body", method: "POST", path: "/api/orders", headers: me, body: { amount: 5, description: "x", userId: stranger.userId }, status: 400, field: "userId" },
		{ name: "userId smuggled in the query", method: "GET", path: `/api/orders?userId=${stranger.userId}`, headers: me, status: 400, field: "userId" },
		{ name: "Idempotency-Key too long", method: "POST", path: "/api/orders", headers: { ...me, "idempotency-key": "k".repeat(201) }, body: { amount: 5, description: "x" }, status: 400, field: "idempotencyKey" },
		{ name: "body over the size limit", method: "POST", path: "/api/orders", headers: me, rawBody: JSON.stringify({ amount: 5, description: "x".repeat(64 * 1024) }), status: 413, field: "body" },
		{ name: "deposit zero", method: "POST", path: "/api/accounts/me/deposits", headers: me, body: { amount: 0 }, status: 400, field: "amount" },
		{ name: "deposit fractional", method: "POST", path: "/api/accounts/me/deposits", headers: me, body: { amount: 0.01 }, status: 400, field: "amount" },
		{ name: "deposit huge", method: "POST", path: "/api/accounts/me/deposits", headers: me, body: { amount: Number.MAX_SAFE_INTEGER }, status: 400, field: "amount" },
		{ name: "deposit negative as string", method: "POST", path: "/api/accounts/me/deposits", headers: me, body: { amount: "-100" }, status: 400, field: "amount" },
		{ name: "deposit unknown field", method: "POST", path: "/api/accounts/me/deposits", headers: me, body: { amount: 5, currency: "USD" }, status: 400, field: "currency" },
		{ name: "deposit into another user's account", method: "POST", path: "/api/accounts/me/deposits", headers: as(randomUUID()), body: { amount: 5 }, status: 404 },
		{ name: "order id not a UUID", method: "GET", path: "/api/orders/12345", headers: me, status: 400, field: "id" },
		{ name: "another user's order", method: "GET", path: () => `/api/orders/${victimOrderId}`, headers: as(stranger.userId), status: 404 },
		{ name: "unknown order", method: "GET", path: `/api/orders/${randomUUID()}`, headers: me, status: 404 },
		{ name: "page zero", method: "GET", path: "/api/orders?page=0", headers: me, status: 400, field: "page" },
		{ name: "page size too big", method: "GET", path: "/api/orders?pageSize=1000", headers: me, status: 400, field: "pageSize" },
		{ name: "page not a number", method: "GET", path: "/api/orders?page=abc", headers: me, status: 400, field: "page" },
		{ name: "unknown route", method: "GET", path: "/api/coupons", headers: me, status: 404 },
		{ name: "unsupported method", method: "DELETE", path: "/api/orders", headers: me, status: 404 },
	];
};

async function snapshot() {
	const [account, ledger, orders, strangerOrders] = await Promise.all([
		victim.account(),
		victim.transactions(),
		victim.orders("?pageSize=100"),
		stranger.orders("?pageSize=100"),
	]);
	return { account: account.body, ledger: ledger.body, orders: orders.body, strangerOrders: strangerOrders.body };
}

beforeAll(async () => {
	mesh = await startMesh();
	victim = userClient(mesh.gatewayUrls[0], randomUUID());
	stranger = userClient(mesh.gatewayUrls[0], randomUUID());
	await victim.createAccount();
	await victim.deposit(1000);
	victimOrderId = (await victim.createOrder(100, "the victim's order")).body.id;
	await waitForFinal(victim, victimOrderId);
	await stranger.createAccount();
});
afterAll(async () => {
	await mesh?.stop();
});

describe("bad requests", () => {
	it("has at least 25 cases", () => {
		expect(cases().length).toBeGreaterThanOrEqual(25);
	});

	it("refuses each with its 4xx and a JSON error naming the field, and changes nothing", async () => {
		const before = await snapshot();
		const outcomes: string[] = [];
		for (const c of cases()) {
			const path = typeof c.path === "function" ? c.path() : c.path;
			const res = await request(mesh.gatewayUrls[0], c.method, path, { headers: c.headers, body: c.body, rawBody: c.rawBody });
			const fields = Array.isArray(res.body?.data) ? res.body.data.map((d: { field: string }) => d.field) : [];
			const ok =
				res.status === c.status &&
				typeof res.body === "object" &&
				typeof res.body.message === "string" &&
				res.body.code === c.status &&
				typeof res.body.type === "string" &&
				(c.field === undefined || fields.includes(c.field)) &&
				!JSON.stringify(res.body).match(/\bat .*\.(ts|js):\d+|select |insert |update /i);
			outcomes.push(`${ok ? "ok  " : "FAIL"} ${c.name}: ${res.status} ${JSON.stringify(res.body)}`);
		}
		const failures = outcomes.filter(o => o.startsWith("FAIL"));
		expect(failures).toEqual([]);
		expect(await snapshot()).toEqual(before);
	});
});
