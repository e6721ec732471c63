/**
 * A dependency that goes away mid-burst: PostgreSQL restarted. Requests during the
 * outage fail cleanly (503 with a reason, well within the request timeout, never a hang); the
 * system recovers by itself; clients that retry with Idempotency-Key lose nothing; the audit
 * passes.
 */
import { randomUUID } from "node:crypto";
import { afterAll, describe, expect, it } from "@jest/globals";
import { startPostgres, stopPostgres } from "../../infra/local/index.js";
import { auditShop } from "../support/audit-shop.js";
import { userClient, type UserClient } from "../support/http-client.js";
import type { Mesh } from "../support/mesh.js";
import { expectBooksBalance, waitForAllFinal } from "../support/shop-assertions.js";

const quiet = () => undefined;
const cleanup: (() => Promise<unknown>)[] = [];
afterAll(async () => {
	for (const step of cleanup.reverse()) await step().catch(() => undefined);
});

async function placeWithRetry(user: UserClient, key: string, outcomes: number[]): Promise<void> {
	for (const deadline = Date.now() + 120_000; Date.now() < deadline; ) {
		const res = await user.createOrder(100, "outage", key).catch(() => ({ status: 0 }));
		outcomes.push(res.status);
		if (res.status === 201) return;
		if (res.status >= 400 && res.status < 500) throw new Error(`refused: ${res.status}`);
		await new Promise(resolve => setTimeout(resolve, 250));
	}
	throw new Error(`order ${key} not accepted within 120 s`);
}

async function burst(mesh: Mesh, users: number, perUser: number, outage: () => Promise<void>) {
	const clients = Array.from({ length: users }, () => userClient(mesh.gatewayUrls[0], randomUUID()));
	for (const c of clients) {
		await c.createAccount();
		await c.deposit(perUser * 100);
	}
	const outcomes: number[] = [];
	const placing = clients.flatMap(c =>
		Array.from({ length: perUser }, (_, i) => new Promise(r => setTimeout(r, i * 150)).then(() => placeWithRetry(c, randomUUID(), outcomes))),
	);
	await new Promise(resolve => setTimeout(resolve, 300));
	await outage();
	await Promise.all(placing);
	for (const c of clients) {
		const orders = await waitForAllFinal(c, perUser, 120_000);
		expect(orders.every(o => o.status === "FINISHED")).toBe(true);
		expect((await expectBooksBalance(c, orders)).balance).toBe(0);
	}
	return outcomes;
}

describe("dependency outages", () => {
	it("rides out a PostgreSQL restart: 503s during it, every order settled after it", async () => {
		const { startMesh } = await import("../support/mesh.js");
		const mesh = await startMesh();
		cleanup.push(() => mesh.stop());
		const during: { status: number; ms: number; body: unknown }[] = [];
		const outcomes = await burst(mesh, 4, 6, async () => {
			await stopPostgres({ log: quiet });
			try {
				const probe = userClient(mesh.gatewayUrls[0], randomUUID());
				for (let i = 0; i < 3; i++) {
					const t = Date.now();
					const res = await probe.createOrder(5, "while the database is down");
					during.push({ status: res.status, ms: Date.now() - t, body: res.body });
				}
			} finally {
				await startPostgres({ log: quiet });
			}
		});
		for (const d of during) {
			expect(d.status).toBe(503);
			expect(d.body).toMatchObject({ code: 503, type: expect.stringMatching(/UNAVAILABLE/) });
			expect(d.ms).toBeLessThan(12_000);
		}
		expect(outcomes.filter(s => s !== 201 && s !== 503)).toEqual([]);
		expect((await auditShop()).violations).toEqual([]);
	});
});
