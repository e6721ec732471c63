/**
 * One event log per process, shared by every service in it: with KAFKA_BROKERS set, Kafka;
 * without, the in-process bus (which only works because all services share this one instance).
 */
import { config } from "../config.js";
import { DLQ_TOPICS_OF, SHOP_TOPICS } from "./shop-topics.js";
import type { EventLog } from "./event-log.js";
import { InProcessEventLog } from "./in-process-event-log.js";
import { KafkaEventLog } from "./kafka-event-log.js";

interface Logger {
	info(...args: unknown[]): void;
	warn(...args: unknown[]): void;
	debug(...args: unknown[]): void;
}

let shared: EventLog | undefined;
let users = 0;

export function acquireEventLog(logger: Logger, clientId: string): EventLog {
	users++;
	if (!shared) {
		shared =
			config.kafkaBrokers.length > 0
				? new KafkaEventLog({
						brokers: config.kafkaBrokers,
						clientId,
						topics: [...SHOP_TOPICS, ...DLQ_TOPICS_OF(SHOP_TOPICS)],
						partitions: config.kafkaPartitions,
						topicPrefix: config.kafkaTopicPrefix,
						maxBatch: config.inbox.batchSize,
						logger,
					})
				: new InProcessEventLog();
	}
	return shared;
}

export async function releaseEventLog(): Promise<void> {
	users = Math.max(0, users - 1);
	if (users === 0 && shared) {
		const log = shared;
		shared = undefined;
		await log.close();
	}
}

export function describeEventLog(): string {
	return config.kafkaBrokers.length > 0 ? `Kafka at ${config.kafkaBrokers.join(",")}` : "in-process bus";
}
