/**
 * The local infrastructure the shop runs against outside containers: PostgreSQL with both
 * databases, NATS and a Kafka broker on 127.0.0.1, brought up idempotently.
 */
import { ensureKafka, stopKafka } from "./kafka.js";
import { ensureNats, stopNats } from "./nats.js";
import { ensurePostgres } from "./postgres.js";
import type { Log } from "./daemon.js";

/** Environment variables that point the services at the infrastructure. */
export interface InfraEnv {
	ORDERS_DB_URL: string;
	PAYMENTS_DB_URL: string;
	TRANSPORTER: string;
	KAFKA_BROKERS: string;
}

export interface InfraOptions {
	log?: Log;
}

export async function ensureInfra(opts: InfraOptions = {}): Promise<InfraEnv> {
	// Kafka is by far the slowest (JVM start, first-run download), so nothing waits for it.
	const [postgres, nats, kafka] = await Promise.all([ensurePostgres(opts), ensureNats(opts), ensureKafka(opts)]);
	return {
		ORDERS_DB_URL: postgres.ordersDbUrl,
		PAYMENTS_DB_URL: postgres.paymentsDbUrl,
		TRANSPORTER: nats.transporter,
		KAFKA_BROKERS: kafka.brokers,
	};
}

/**
 * Stops what this project started: the Kafka broker, and nats-server if ours. PostgreSQL is the
 * machine's own cluster and stays up.
 */
export async function stopInfra(opts: InfraOptions = {}): Promise<{ kafka: boolean; nats: boolean }> {
	const [kafka, nats] = await Promise.all([stopKafka({ ...opts, otherCheckouts: false }), stopNats(opts)]);
	return { kafka, nats };
}

export {
	ensureKafka,
	isKafkaUp,
	startKafka,
	stopKafka,
	KAFKA_BROKERS,
	KAFKA_LOG_FILE,
	KAFKA_VERSION,
} from "./kafka.js";
export type { KafkaInfo, KafkaOptions, StopKafkaOptions } from "./kafka.js";
export { ensureNats, isNatsUp, stopNats, NATS_URL } from "./nats.js";
export type { NatsInfo } from "./nats.js";
export { ensurePostgres, startPostgres, stopPostgres, ORDERS_DB, PAYMENTS_DB } from "./postgres.js";
export type { PostgresUrls } from "./postgres.js";
export { isPortOpen, waitForPort } from "./ports.js";
