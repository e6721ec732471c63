/**
 * With AUTH_JWT_SECRET set, REST requires an HS256 bearer token whose `sub` is the user id:
 * X-User-Id alone, a forged, expired or foreign-signed token are refused with 401, and a user
 * still sees only their own orders. Every response carries the security headers.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { signHs256 } from "../../infra/http/jwt.js";
import { request } from "../support/http-client.js";
import type { Mesh } from "../support/mesh.js";

const SECRET = "a-test-secret-of-decent-length";
let mesh: Mesh;
const now = () => Math.floor(Date.now() / 1000);
const bearer = (sub: string, claims: Record<string, unknown> = {}, secret = SECRET) => ({
	authorization: `Bearer ${signHs256({ sub, exp: now() + 300, ...claims }, secret)}`,
});

beforeAll(async () => {
	// Configuration is read when the services load, so it is set before they are imported.
	process.env.AUTH_JWT_SECRET = SECRET;
	const { startMesh } = await import("../support/mesh.js");
	mesh = await startMesh();
});
afterAll(async () => {
	await mesh?.stop();
});

describe("JWT mode", () => {
	it("serves a valid bearer token and refuses X-User-Id alone and bad tokens with 401", async () => {
		const alice = randomUUID();
		const url = mesh.gatewayUrls[0];
		expect((await request(url, "POST", "/api/accounts", { headers: bearer(alice) })).status).toBe(201);
		const refused = [
			{ "x-user-id": alice },
			bearer(alice, { exp: now() - 10 }),
			bearer(alice, {}, "some-other-secret"),
			bearer("not-a-uuid"),
			{ authorization: "Bearer abc.def.ghi" },
			{ authorization: `Basic ${Buffer.from("alice:pw").toString("base64")}` },
		];
		for (const headers of refused) {
			const res = await request(url, "GET", "/api/accounts/me", { headers });
			expect({ status: res.status, field: res.body?.data?.[0]?.field }).toEqual({ status: 401, field: "Authorization" });
			expect(JSON.stringify(res.body)).not.toMatch(/at .*\.(ts|js):\d+/);
		}
	});

	it("keeps users apart: a token opens only its own user's orders", async () => {
		const [alice, mallory] = [randomUUID(), randomUUID()];
		const url = mesh.gatewayUrls[0];
		const order = await request(url, "POST", "/api/orders", { headers: bearer(alice), body: { amount: 5, description: "private" } });
		expect(order.status).toBe(201);
		expect((await request(url, "GET", `/api/orders/${order.body.id}`, { headers: bearer(alice) })).status).toBe(200);
		expect((await request(url, "GET", `/api/orders/${order.body.id}`, { headers: bearer(mallory) })).status).toBe(404);
		// Mallory's token with Alice's id in X-User-Id changes nothing: the token decides.
		const smuggled = await request(url, "GET", "/api/orders", { headers: { ...bearer(mallory), "x-user-id": alice } });
		expect(smuggled.body.total).toBe(0);
	});

	it("sends the security headers on API answers, errors and the UI alike", async () => {
		const url = mesh.gatewayUrls[0];
		for (const res of [await request(url, "GET", "/api/health"), await request(url, "GET", "/api/orders"), await request(url, "GET", "/")]) {
			expect(res.headers.get("x-content-type-options")).toBe("nosniff");
			expect(res.headers.get("x-frame-options")).toBe("DENY");
			expect(res.headers.get("referrer-policy")).toBe("no-referrer");
		}
	});
});
