/**
 * Runs the shop with each of the three switches (database URL, TRANSPORTER, KAFKA_BROKERS) on
 * or off, and proves an order is paid. Configuration is read when the services load, so the
 * environment is set before they are imported (each test file has its own module registry).
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { randomUUID } from "node:crypto";
import { expect } from "@jest/globals";
import { userClient } from "./http-client.js";
import { waitForFinal } from "./shop-assertions.js";

export interface Mix {
	postgres: boolean;
	nats: boolean;
	kafka: boolean;
}

export async function payAnOrderWith(mix: Mix): Promise<void> {
	if (!mix.postgres) {
		delete process.env.ORDERS_DB_URL;
		delete process.env.PAYMENTS_DB_URL;
		process.env.DATA_DIR = mkdtempSync(path.join(tmpdir(), "gozon-mix-"));
	}
	if (!mix.nats) delete process.env.TRANSPORTER;
	if (!mix.kafka) delete process.env.KAFKA_BROKERS;
	process.env.GOZON_TEST_MODE = mix.nats ? "full" : "embedded";

	const { startMesh } = await import("./mesh.js");
	const { config } = await import("../../infra/config.js");
	expect(Boolean(config.ordersDbUrl)).toBe(mix.postgres);
	expect(Boolean(config.transporter)).toBe(mix.nats);
	expect(config.kafkaBrokers.length > 0).toBe(mix.kafka);

	const mesh = await startMesh();
	try {
		const user = userClient(mesh.gatewayUrls[0], randomUUID());
		expect((await user.createAccount()).status).toBe(201);
		await user.deposit(500);
		const order = (await user.createOrder(200, "mixed mode")).body;
		expect((await waitForFinal(user, order.id)).status).toBe("FINISHED");
		expect((await user.account()).body.balance).toBe(300);
	} finally {
		await mesh.stop();
	}
}
