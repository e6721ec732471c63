/**
 * Guarantee 6, attacked: service processes killed with SIGKILL in the middle of a burst of
 * orders — a payments instance, an orders instance, and a relay between publishing to Kafka and
 * marking its rows published — then restarted. Clients retry with Idempotency-Key, as they
 * should. Every order settles, none is paid twice, nothing is lost, and the audit passes.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { ORDERS_TOPIC } from "../../domain/events/topics.js";
import { stackTopology } from "../../infra/local/service-processes.js";
import { auditShop } from "../support/audit-shop.js";
import { userClient, type UserClient } from "../support/http-client.js";
import { watchTopics, type TopicWatch } from "../support/kafka-probe.js";
import { waitFor } from "../support/wait-for.js";
import { startProcessMesh, type ProcessMesh } from "../support/process-mesh.js";
import { expectBooksBalance, waitForAllFinal } from "../support/shop-assertions.js";

let mesh: ProcessMesh;
let watch: TopicWatch;

beforeAll(async () => {
	// A short lease lets a surviving relay take over a dead relay's claimed rows quickly.
	mesh = await startProcessMesh(stackTopology(), { OUTBOX_LEASE_MS: "3000" });
	watch = await watchTopics([ORDERS_TOPIC]);
});
afterAll(async () => {
	await watch?.stop();
	await mesh?.stopAll();
});

/** What a well-behaved client does: retry with the same Idempotency-Key until it gets an answer. */
async function placeOrder(user: UserClient, amount: number, key: string): Promise<string> {
	const deadline = Date.now() + 90_000;
	for (;;) {
		const res = await user.createOrder(amount, `crash ${key.slice(0, 8)}`, key).catch(() => ({ status: 0, body: null }));
		if (res.status === 201) return res.body.id;
		if (res.status >= 400 && res.status < 500) throw new Error(`order refused: ${res.status} ${JSON.stringify(res.body)}`);
		if (Date.now() > deadline) throw new Error(`no answer for order ${key} within 90 s (last ${res.status})`);
		await new Promise(resolve => setTimeout(resolve, 300));
	}
}

async function fundedUsers(count: number, balance: number): Promise<UserClient[]> {
	const users = Array.from({ length: count }, () => userClient(mesh.url, randomUUID()));
	for (const u of users) {
		expect((await u.createAccount()).status).toBe(201);
		expect((await u.deposit(balance)).status).toBe(200);
	}
	return users;
}

describe("kill -9 in the middle of a burst", () => {
	it("settles every order exactly once after payments and orders instances are killed and restarted", async () => {
		const perUser = 15;
		const users = await fundedUsers(8, perUser * 100);
		const burst = users.flatMap(u => Array.from({ length: perUser }, () => ({ user: u, key: randomUUID() })));

		const placing = burst.map((o, i) =>
			new Promise(resolve => setTimeout(resolve, i * 15)).then(() => placeOrder(o.user, 100, o.key)),
		);
		await new Promise(resolve => setTimeout(resolve, 400));
		await mesh.kill("payments-1");
		await new Promise(resolve => setTimeout(resolve, 400));
		await mesh.kill("orders-1");
		await new Promise(resolve => setTimeout(resolve, 1000));
		await Promise.all([mesh.start({ name: "payments-1", services: ["payments"] }), mesh.start({ name: "orders-1", services: ["orders"] })]);
		await Promise.all(placing);

		for (const u of users) {
			const orders = await waitForAllFinal(u, perUser, 120_000);
			expect(orders.every(o => o.status === "FINISHED")).toBe(true);
			expect((await expectBooksBalance(u, orders)).balance).toBe(0);
		}
		const audit = await auditShop();
		expect(audit.violations).toEqual([]);
	});

	it("survives a relay killed between publishing to Kafka and marking its rows published", async () => {
		const users = await fundedUsers(4, 500);
		// Only a relay armed to die right after its first publish is left to carry OrderCreated.
		await mesh.stop("orders-1");
		await mesh.stop("orders-2");
		const armed = await mesh.start({ name: "orders-2", services: ["orders"], env: { GOZON_FAILPOINT: "relay.afterPublish" } });
		const placing = users.flatMap(u => Array.from({ length: 5 }, () => placeOrder(u, 100, randomUUID())));

		expect(await armed.exited).toBe("SIGKILL");
		await Promise.all([mesh.start({ name: "orders-1", services: ["orders"] }), mesh.start({ name: "orders-2", services: ["orders"] })]);
		const ids = await Promise.all(placing);

		for (const u of users) {
			const orders = await waitForAllFinal(u, 5, 120_000);
			expect(orders.every(o => o.status === "FINISHED")).toBe(true);
			expect((await expectBooksBalance(u, orders)).balance).toBe(0);
		}
		// The dead relay's batch goes out again once its lease runs out (3 s here, then the next
		// poll), and was paid once.
		const published = await waitFor(
			async () => watch.messages.map(m => JSON.parse(m.value).subject as string).filter(id => ids.includes(id)),
			list => list.length > new Set(list).size,
			{ timeoutMs: 30_000, what: "the dead relay's batch to be published again" },
		);
		expect(new Set(published).size).toBe(ids.length);
		expect((await auditShop()).violations).toEqual([]);
	});
	it("stops a payments instance gracefully on SIGTERM mid-burst, within the bound, losing nothing", async () => {
		const users = await fundedUsers(4, 500);
		const placing = users.flatMap(u => Array.from({ length: 5 }, () => placeOrder(u, 100, randomUUID())));
		await new Promise(resolve => setTimeout(resolve, 300));
		const instance = mesh.instances.get("payments-1")!;
		const t = Date.now();
		instance.process.kill("SIGTERM");
		// It finishes what it holds, commits its offsets and exits by itself: no SIGKILL needed.
		expect(await instance.exited).toBe(0);
		expect(Date.now() - t).toBeLessThan(15_000);
		await mesh.start({ name: "payments-1", services: ["payments"] });
		await Promise.all(placing);
		for (const u of users) {
			const orders = await waitForAllFinal(u, 5, 120_000);
			expect(orders.every(o => o.status === "FINISHED")).toBe(true);
			expect((await expectBooksBalance(u, orders)).balance).toBe(0);
		}
		expect((await auditShop()).violations).toEqual([]);
	});
});
