/**
 * Starts Gozon services for a test: each instance on its own ServiceBroker, all joined over the
 * real NATS transporter, with real PostgreSQL and Kafka behind them. A test can start several
 * instances of a service to prove they share the work.
 */
import { randomUUID } from "node:crypto";
import { ServiceBroker, type ServiceSchema } from "moleculer";
import brokerConfig from "../../moleculer.config.js";
import GatewayService from "../../services/gateway.service.js";
import OrdersService from "../../services/orders.service.js";
import PaymentsService from "../../services/payments.service.js";

export interface MeshOptions {
	orders?: number;
	payments?: number;
	gateways?: number;
}

export interface Mesh {
	namespace: string;
	gatewayUrls: string[];
	brokers: { orders: ServiceBroker[]; payments: ServiceBroker[]; gateways: ServiceBroker[] };
	stop(): Promise<void>;
}

import { freePort } from "../../infra/local/ports.js";

export { freePort };

function newBroker(namespace: string, nodeID: string): ServiceBroker {
	return new ServiceBroker({
		...brokerConfig,
		namespace,
		nodeID,
		logLevel: (process.env.TEST_LOG_LEVEL as "warn") ?? "warn",
	});
}

/** One process, no transporter: the embedded default, or any mix without NATS. */
export const embeddedMode = () => process.env.GOZON_TEST_MODE === "embedded" || !process.env.TRANSPORTER;

/**
 * The embedded default: one broker, no transporter, all three services in one process on PGlite
 * and the in-process bus — what `npm start` runs.
 */
async function startEmbedded(): Promise<Mesh> {
	const namespace = `test-${randomUUID().slice(0, 8)}`;
	const port = await freePort();
	const broker = new ServiceBroker({ ...brokerConfig, transporter: null, namespace, nodeID: "embedded", logLevel: (process.env.TEST_LOG_LEVEL as "warn") ?? "warn" });
	broker.createService(OrdersService as ServiceSchema);
	broker.createService(PaymentsService as ServiceSchema);
	broker.createService({ ...GatewayService, settings: { ...GatewayService.settings, port, ip: "127.0.0.1" } } as ServiceSchema);
	await broker.start();
	return {
		namespace,
		gatewayUrls: [`http://127.0.0.1:${port}`],
		brokers: { orders: [broker], payments: [broker], gateways: [broker] },
		stop: () => broker.stop(),
	};
}

export async function startMesh(opts: MeshOptions = {}): Promise<Mesh> {
	if (embeddedMode()) {
		if ((opts.orders ?? 1) > 1 || (opts.payments ?? 1) > 1 || (opts.gateways ?? 1) > 1) {
			throw new Error("the embedded mode runs one instance of each service");
		}
		return startEmbedded();
	}

	const namespace = `test-${randomUUID().slice(0, 8)}`;
	const make = (count: number, kind: string, schema: () => ServiceSchema | Promise<ServiceSchema>) =>
		Promise.all(
			Array.from({ length: count }, async (_, i) => {
				const broker = newBroker(namespace, `${kind}-${i + 1}`);
				broker.createService(await schema());
				return broker;
			}),
		);
	const gatewayPorts = await Promise.all(Array.from({ length: opts.gateways ?? 1 }, () => freePort()));
	const brokers = {
		orders: await make(opts.orders ?? 1, "orders", () => OrdersService as ServiceSchema),
		payments: await make(opts.payments ?? 1, "payments", () => PaymentsService as ServiceSchema),
		gateways: await Promise.all(
			gatewayPorts.map(async (port, i) => {
				const broker = newBroker(namespace, `gateway-${i + 1}`);
				broker.createService({ ...GatewayService, settings: { ...GatewayService.settings, port, ip: "127.0.0.1" } } as ServiceSchema);
				return broker;
			}),
		),
	};
	const all = [...brokers.orders, ...brokers.payments, ...brokers.gateways];
	await Promise.all(all.map(b => b.start()));
	await Promise.all(brokers.gateways.map(b => b.waitForServices(["orders", "payments"], 30_000)));
	return {
		namespace,
		gatewayUrls: gatewayPorts.map(p => `http://127.0.0.1:${p}`),
		brokers,
		stop: async () => {
			await Promise.all(all.map(b => b.stop()));
		},
	};
}
