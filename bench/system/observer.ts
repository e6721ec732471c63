/**
 * Watches orders settle without touching the path under test: a node joins the mesh and hears
 * the "orders.updated" broadcast every orders instance sends after a status change commits.
 */
import { ServiceBroker } from "moleculer";
import pg from "pg";
import brokerConfig from "../../moleculer.config.js";

export interface Observer {
	settledAt: Map<string, number>;
	/**
	 * Looks up in the orders database those of `ids` that settled without the broadcast reaching
	 * this node (a broadcast only goes to nodes the sender already knows), with their settle time.
	 */
	reconcile(ids: string[]): Promise<void>;
	stop(): Promise<void>;
}

export async function observeSettlements(namespace: string, transporter: string, ordersUrl: string): Promise<Observer> {
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
	// Give the orders nodes a moment to learn of this node's subscription before the load starts.
	await new Promise(resolve => setTimeout(resolve, 1000));
	const db = new pg.Client({ connectionString: ordersUrl });
	await db.connect();
	return {
		settledAt,
		async reconcile(ids) {
			if (ids.length === 0) return;
			const { rows } = await db.query(`select id, updated_at from orders where id = any($1::uuid[]) and status <> 'NEW'`, [ids]);
			// Wall-clock settle time mapped onto this process's performance clock.
			const offset = performance.now() - Date.now();
			for (const row of rows) if (!settledAt.has(row.id)) settledAt.set(row.id, new Date(row.updated_at).getTime() + offset);
		},
		stop: async () => {
			await db.end();
			await broker.stop();
		},
	};
}
