/**
 * Direct access to the Kafka broker for tests: produce raw bytes (duplicates, poison) and watch
 * a topic from its current end, as an outside observer of what crossed the wire.
 */
// Before kafkajs: its producer takes the partition grouping when it loads.
import "../../infra/eventlog/kafkajs-linear-grouping.js";
import { randomUUID } from "node:crypto";
import { logLevel, Partitioners, type Consumer, type Kafka, type Producer } from "kafkajs";
import { kafkaClient } from "../../infra/eventlog/kafka-client.js";
import { topicOffsets, type PartitionOffsets } from "../../infra/eventlog/topic-offsets.js";

export interface SeenMessage {
	topic: string;
	partition: number;
	key: string | null;
	value: string;
	headers: Record<string, string>;
}

function kafka(): Kafka {
	const brokers = (process.env.KAFKA_BROKERS ?? "").split(",").filter(Boolean);
	if (brokers.length === 0) throw new Error("KAFKA_BROKERS is not set: run the tests through `npm test`");
	return kafkaClient({ clientId: `gozon-test-${randomUUID().slice(0, 6)}`, brokers, logLevel: logLevel.NOTHING });
}

export async function produceRaw(
	topic: string,
	messages: { key: string | null; value: string | Buffer; headers?: Record<string, string> }[],
): Promise<void> {
	const producer: Producer = kafka().producer({ createPartitioner: Partitioners.DefaultPartitioner });
	await producer.connect();
	try {
		await producer.send({ topic, messages });
	} finally {
		await producer.disconnect();
	}
}

export interface TopicWatch {
	messages: SeenMessage[];
	stop(): Promise<void>;
}

/** Collects every message written to `topics` from now on. */
export async function watchTopics(topics: string[]): Promise<TopicWatch> {
	const client = kafka();
	const ends = new Map<string, PartitionOffsets[]>();
	for (const topic of topics) ends.set(topic, await topicOffsets(client, topic));

	const consumer: Consumer = client.consumer({ groupId: `gozon-test-watch-${randomUUID()}`, maxWaitTimeInMs: 100 });
	const messages: SeenMessage[] = [];
	await consumer.connect();
	for (const topic of topics) await consumer.subscribe({ topic, fromBeginning: true });
	const joined = new Promise<void>((resolve, reject) => {
		consumer.on(consumer.events.GROUP_JOIN, () => resolve());
		consumer.on(consumer.events.CRASH, ({ payload }) => {
			if (!payload.restart) reject(payload.error);
		});
	});
	const startOf = (topic: string, partition: number): bigint =>
		BigInt(ends.get(topic)?.find(o => o.partition === partition)?.high ?? "0");
	await consumer.run({
		eachMessage: async ({ topic, partition, message }) => {
			// The seek below is what skips the backlog; this check keeps it skipped when the consumer
			// crashed while joining and restarted without the seek.
			if (BigInt(message.offset) < startOf(topic, partition)) return;
			messages.push({
				topic,
				partition,
				key: message.key?.toString() ?? null,
				value: message.value?.toString() ?? "",
				headers: Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)])),
			});
		},
	});
	try {
		for (const [topic, offsets] of ends) for (const { partition, high } of offsets) consumer.seek({ topic, partition, offset: high });
	} catch {
		// Crashed before it joined: it restarts by itself, reading from the beginning, filtered above.
	}
	await joined;
	return { messages, stop: () => consumer.disconnect() };
}
