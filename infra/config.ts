/**
 * Every knob of Gozon, read once from the environment. Each switch is independent:
 * a database URL selects real PostgreSQL over embedded PGlite, TRANSPORTER selects NATS over a
 * single process, KAFKA_BROKERS selects Kafka over the in-process bus.
 */
import path from "node:path";

function int(name: string, fallback: number): number {
	const raw = process.env[name];
	if (raw === undefined || raw === "") return fallback;
	const value = Number(raw);
	if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a non-negative integer, got "${raw}"`);
	return value;
}

function list(name: string): string[] {
	return (process.env[name] ?? "")
		.split(",")
		.map(s => s.trim())
		.filter(Boolean);
}

export interface GozonConfig {
	port: number;
	transporter: string | undefined;
	kafkaBrokers: string[];
	kafkaPartitions: number;
	kafkaTopicPrefix: string;
	dataDir: string;
	ordersDbUrl: string | undefined;
	paymentsDbUrl: string | undefined;
	jwtSecret: string | undefined;
	logLevel: string;
	bodyLimit: string;
	outbox: {
		batchSize: number;
		pollIntervalMs: number;
		retentionMs: number;
		maxAttempts: number;
		leaseMs: number;
	};
	inbox: {
		retentionMs: number;
		/** Most consumed events applied in one transaction. */
		batchSize: number;
	};
	/** Orders placed while others are in their transaction share the next one (mixins/group-commit). */
	createGroup: { maxSize: number; maxInFlight: number };
	optimisticLock: { maxRetries: number; baseDelayMs: number; maxDelayMs: number };
	requestTimeoutMs: number;
	rateLimit: { windowMs: number; limit: number };
}

export function loadConfig(): GozonConfig {
	const day = 24 * 60 * 60 * 1000;
	return {
		port: int("PORT", 3000),
		transporter: process.env.TRANSPORTER || undefined,
		kafkaBrokers: list("KAFKA_BROKERS"),
		kafkaPartitions: int("KAFKA_PARTITIONS", 6),
		kafkaTopicPrefix: process.env.KAFKA_TOPIC_PREFIX ?? "",
		dataDir: path.resolve(process.env.DATA_DIR || ".data/embedded"),
		ordersDbUrl: process.env.ORDERS_DB_URL || undefined,
		paymentsDbUrl: process.env.PAYMENTS_DB_URL || undefined,
		jwtSecret: process.env.AUTH_JWT_SECRET || undefined,
		logLevel: process.env.LOG_LEVEL || "info",
		bodyLimit: process.env.BODY_LIMIT || "16kb",
		outbox: {
			batchSize: int("OUTBOX_BATCH_SIZE", 1000),
			pollIntervalMs: int("OUTBOX_POLL_MS", 2000),
			retentionMs: int("OUTBOX_RETENTION_MS", 7 * day),
			maxAttempts: int("OUTBOX_MAX_ATTEMPTS", 10),
			leaseMs: int("OUTBOX_LEASE_MS", 30_000),
		},
		inbox: { retentionMs: int("INBOX_RETENTION_MS", 30 * day), batchSize: Math.max(1, int("INBOX_BATCH_SIZE", 250)) },
		createGroup: {
			maxSize: Math.max(1, int("CREATE_GROUP_SIZE", 200)),
			maxInFlight: Math.max(1, int("CREATE_GROUP_IN_FLIGHT", 2)),
		},
		optimisticLock: {
			maxRetries: int("OPTIMISTIC_LOCK_RETRIES", 25),
			baseDelayMs: int("OPTIMISTIC_LOCK_BASE_DELAY_MS", 2),
			maxDelayMs: int("OPTIMISTIC_LOCK_MAX_DELAY_MS", 100),
		},
		requestTimeoutMs: int("REQUEST_TIMEOUT_MS", 10_000),
		rateLimit: { windowMs: int("RATE_LIMIT_WINDOW_MS", 10_000), limit: int("RATE_LIMIT", 2000) },
	};
}

export const config = loadConfig();
