/**
 * Dependencies that go away mid-burst: PostgreSQL restarted, NATS restarted. Requests during the
 * outage fail cleanly (503 with a reason, well within the request timeout, never a hang); the
 * system recovers by itself; clients that retry with Idempotency-Key lose nothing; the audit
 * passes.
 */
import { randomUUID } from "node:crypto";
import { afterAll, describe, expect, it } from "@jest/globals";
import { spawn } from "node:child_process";
import { findExecutable } from "../../infra/local/daemon.js";
import { startPostgres, stopPostgres, waitForPort } from "../../infra/local/index.js";
import { freePort } from "../../infra/local/ports.js";
import { stackTopology } from "../../infra/local/service-processes.js";
import { startProcessMesh } from "../support/process-mesh.js";
import { auditShop } from "../support/audit-shop.js";
import { userClient, type UserClient } from "../support/http-client.js";
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

async function burst(gatewayUrl: string, users: number, perUser: number, outage: () => Promise<void>) {
	const clients = Array.from({ length: users }, () => userClient(gatewayUrl, randomUUID()));
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
		const outcomes = await burst(mesh.gatewayUrls[0], 4, 6, async () => {
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
	it("rides out a NATS restart: requests fail within the timeout, then the mesh reconnects by itself", async () => {
		const natsServer = findExecutable("nats-server", ["/usr/sbin/nats-server", "/usr/bin/nats-server"]);
		expect(natsServer).toBeDefined();
		// A NATS server of this test's own, so restarting it disturbs nothing else.
		const port = await freePort();
		const startNats = () => spawn(natsServer!, ["-a", "127.0.0.1", "-p", String(port)], { stdio: "ignore" });
		let nats = startNats();
		cleanup.push(async () => nats.kill("SIGKILL"));
		await waitForPort(port, { timeoutMs: 10_000 });
		// Separate processes, as deployed: each service's NATS client reconnects on its own.
		const mesh = await startProcessMesh(stackTopology(), { TRANSPORTER: `nats://127.0.0.1:${port}` });
		cleanup.push(() => mesh.stopAll());

		const during: { status: number; ms: number }[] = [];
		const outcomes = await burst(mesh.url, 3, 5, async () => {
			nats.kill("SIGKILL");
			await waitForPort(port, { closed: true, timeoutMs: 10_000 });
			const t = Date.now();
			const res = await userClient(mesh.url, randomUUID()).orders();
			during.push({ status: res.status, ms: Date.now() - t });
			await new Promise(resolve => setTimeout(resolve, 2000));
			nats = startNats();
			await waitForPort(port, { timeoutMs: 10_000 });
		});
		expect(during).toEqual([{ status: 503, ms: expect.any(Number) }]);
		expect(during[0].ms).toBeLessThan(12_000);
		expect(outcomes.filter(s => s !== 201 && s !== 503)).toEqual([]);
		expect((await auditShop()).violations).toEqual([]);
	});
});
