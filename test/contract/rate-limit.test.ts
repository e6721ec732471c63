/** A caller over the per-user rate limit gets 429 with a reason; other users are not slowed. */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { userClient } from "../support/http-client.js";
import type { Mesh } from "../support/mesh.js";

let mesh: Mesh;
beforeAll(async () => {
	// Configuration is read when the services load, so it is set before they are imported.
	process.env.RATE_LIMIT = "20";
	process.env.RATE_LIMIT_WINDOW_MS = "60000";
	const { startMesh } = await import("../support/mesh.js");
	mesh = await startMesh();
});
afterAll(async () => {
	await mesh?.stop();
});

describe("rate limit", () => {
	it("answers 429 past the limit, per user", async () => {
		const greedy = userClient(mesh.gatewayUrls[0], randomUUID());
		const results = await Promise.all(Array.from({ length: 30 }, () => greedy.orders()));
		const limited = results.filter(r => r.status === 429);
		expect(limited.length).toBe(10);
		expect(limited[0].body).toMatchObject({ code: 429, type: "RATE_LIMIT_EXCEEDED" });
		expect(results.filter(r => r.status === 200).length).toBe(20);
		const other = userClient(mesh.gatewayUrls[0], randomUUID());
		expect((await other.orders()).status).toBe(200);
	});
});
