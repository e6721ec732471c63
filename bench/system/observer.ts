/**
 * Watches orders settle without touching the path under test: a node joins the mesh and hears
 * the "orders.updated" broadcast every orders instance sends after a status change commits.
 */
import { ServiceBroker } from "moleculer";
import brokerConfig from "../../moleculer.config.js";

export interface Observer {
	settledAt: Map<string, number>;
	stop(): Promise<void>;
}

export async function observeSettlements(namespace: string, transporter: string): Promise<Observer> {
	const settledAt = new Map<string, number>();
	const broker = new ServiceBroker({ ...brokerConfig, namespace, transporter: transporter as never, nodeID: `bench-observer-${process.pid}`, logLevel: "warn" });
	broker.createService({
		name: "bench-observer",
		events: {
			"orders.updated"(ctx: { params: { id: string } }) {
				if (!settledAt.has(ctx.params.id)) settledAt.set(ctx.params.id, performance.now());
			},
		},
	});
	await broker.start();
	await broker.waitForServices(["orders"], 30_000);
	return { settledAt, stop: () => broker.stop() };
}
