/**
 * Starts a Gozon node: the services named in SERVICES (default: all three) on one Moleculer
 * broker. `npm start` runs everything in one process; `npm run stack` starts one process per
 * service instance with SERVICES=orders and so on.
 */
import { ServiceBroker, type ServiceSchema } from "moleculer";
import brokerConfig from "../moleculer.config.js";
import { config } from "../infra/config.js";
import { describeEventLog } from "../infra/eventlog/shared-event-log.js";

const KNOWN_SERVICES = ["orders", "payments", "gateway"] as const;

export async function startNode(services: string[] = (process.env.SERVICES || KNOWN_SERVICES.join(",")).split(",")) {
	const unknown = services.filter(s => !(KNOWN_SERVICES as readonly string[]).includes(s));
	if (unknown.length > 0) throw new Error(`unknown service(s) in SERVICES: ${unknown.join(", ")}`);
	const broker = new ServiceBroker(brokerConfig);
	const hostsBoth = services.includes("orders") && services.includes("payments");
	if (config.kafkaBrokers.length === 0 && !hostsBoth && (services.includes("orders") || services.includes("payments"))) {
		// The in-process bus links only the services of this process: events would wait forever.
		broker.logger.warn(
			"KAFKA_BROKERS is not set, so events travel on the in-process bus, which only reaches services in this process: run orders and payments together, or set KAFKA_BROKERS.",
		);
	}
	for (const name of services) {
		const schema = (await import(`../services/${name}.service.js`)).default as ServiceSchema;
		broker.createService(schema);
	}
	broker.logger.info(
		`node ${broker.nodeID}: services [${services.join(", ")}]; transporter: ${config.transporter ?? "none (one process)"}; event log: ${describeEventLog()}`,
	);
	await broker.start();
	return broker;
}

const isMain = import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith("bin/gozon.ts");
if (isMain) {
	startNode()
		.then(async broker => {
			// Printed whatever LOG_LEVEL says: scripts and tests wait for this line.
			console.log(`gozon node ${broker.nodeID} started: ${broker.services.map(s => s.name).filter(n => !n.startsWith("$")).join(", ")}`);
			if (!broker.getLocalService("gateway")) return;
			// A gateway alone is not a shop: wait until orders and payments answer on the mesh.
			await broker.waitForServices(["orders", "payments"]);
			console.log(`\nGozon is ready: http://localhost:${config.port}\n`);
		})
		.catch(err => {
			console.error("Gozon failed to start:", err);
			process.exit(1);
		});
}
