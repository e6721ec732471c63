/**
 * A node that has seen a remote call time out must still stop gracefully. Moleculer's context
 * tracker used to keep such a call forever (infra/broker/settle-timed-out-calls.middleware.ts),
 * so the gateway, after one request to an instance killed a moment before, waited the whole
 * shutdown timeout on every later stop and ended with GracefulStopTimeoutError.
 */
import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it } from "@jest/globals";
import { Errors, ServiceBroker } from "moleculer";
import brokerConfig from "../../moleculer.config.js";

const SHUTDOWN_TIMEOUT_MS = 5000;
const brokers: ServiceBroker[] = [];

function node(namespace: string, nodeID: string): ServiceBroker {
	const broker = new ServiceBroker({
		...brokerConfig,
		namespace,
		nodeID,
		transporter: process.env.TRANSPORTER as never,
		requestTimeout: 300,
		tracking: { enabled: true, shutdownTimeout: SHUTDOWN_TIMEOUT_MS },
		logLevel: "fatal",
		metrics: false,
		tracing: false,
	});
	brokers.push(broker);
	return broker;
}

afterEach(async () => {
	await Promise.all(brokers.splice(0).map(b => b.stop().catch(() => undefined)));
});

describe("a node after a timed-out remote call", () => {
	it("answers the caller with a timeout, then stops without waiting for the abandoned call", async () => {
		const namespace = `stop-${randomUUID().slice(0, 8)}`;
		const caller = node(namespace, "caller");
		const slow = node(namespace, "slow");
		slow.createService({
			name: "slow",
			actions: {
				// Answers long after the caller gave up; the late answer finds no pending request.
				reply: () => new Promise(resolve => setTimeout(() => resolve("late"), 1500)),
			},
		});
		await Promise.all([caller.start(), slow.start()]);
		await caller.waitForServices(["slow"], 10_000);

		await expect(caller.call("slow.reply")).rejects.toBeInstanceOf(Errors.RequestTimeoutError);
		// The late answer arrives and is dropped; nothing may still be waiting for it.
		await new Promise(resolve => setTimeout(resolve, 2000));

		const stopping = performance.now();
		await caller.stop();
		// A call still tracked holds the stop for the whole shutdown timeout.
		const stopMs = performance.now() - stopping;
		expect(stopMs).toBeLessThan(SHUTDOWN_TIMEOUT_MS / 2);
	}, 30_000);
});
