/**
 * Brings the orders and payments databases up to date and exits: the one-time migration step
 * of docker compose, run before any instance starts, so that two instances starting together
 * never race to create the same tables.
 *
 * Each database is opened exactly as its service opens it — through the service's own ORM
 * options (entities and migrations), on a broker that is never started — and
 * infra/db/open-database.ts applies the migrations. So no list of migrations is repeated here.
 */
import { ServiceBroker, type LogLevels, type Service, type ServiceSchema } from "moleculer";
import brokerConfig from "../moleculer.config.js";
import type { OrmMethods } from "../mixins/orm.mixin.js";
import OrdersService from "../services/orders.service.js";
import PaymentsService from "../services/payments.service.js";

const broker = new ServiceBroker({
	...brokerConfig,
	nodeID: "migrate",
	transporter: null,
	metrics: { enabled: false },
	logLevel: (process.env.LOG_LEVEL || "info") as LogLevels,
});

try {
	for (const schema of [OrdersService, PaymentsService] as ServiceSchema[]) {
		const service = broker.createService(schema) as Service & OrmMethods;
		const started = Date.now();
		await service.openDatabase();
		await service.db.close();
		broker.logger.info(`migrate: ${service.name} database is up to date (${Date.now() - started} ms)`);
	}
} catch (err) {
	broker.logger.error("migrate: failed", err);
	process.exit(1);
}
