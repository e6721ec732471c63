/**
 * Kafka's own limit with the same client library the relay and consumers use: produce a batch of
 * event-sized messages as fast as kafkajs can (acks=all, idempotent), then consume them all.
 */
// Before kafkajs: its producer takes the partition grouping when it loads.
import "../../infra/eventlog/kafkajs-linear-grouping.js";
import { randomUUID } from "node:crypto";
import { logLevel, Partitioners } from "kafkajs";
import { kafkaClient } from "../../infra/eventlog/kafka-client.js";
import { rate } from "../load.js";

export async function measureKafkaRawRate(opts: { brokers: string[]; messages: number; batchSize: number; partitions: number; onTick?: (text: string) => void }) {
	const kafka = kafkaClient({ clientId: "gozon-bench", brokers: opts.brokers, logLevel: logLevel.NOTHING });
	const topic = `gozon.bench.raw.${randomUUID().slice(0, 8)}`;
	const admin = kafka.admin();
	await admin.connect();
	await admin.createTopics({ topics: [{ topic, numPartitions: opts.partitions }], waitForLeaders: true });
	const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
	await producer.connect();
	const value = JSON.stringify({ specversion: "1.0", id: randomUUID(), source: "gozon/orders", type: "gozon.order.created", time: new Date().toISOString(), subject: randomUUID(), datacontenttype: "application/json", data: { orderId: randomUUID(), userId: randomUUID(), amount: 1000, description: "a benchmark order" } });
	const keys = Array.from({ length: 500 }, () => randomUUID());

	const produceStart = performance.now();
	for (let sent = 0; sent < opts.messages; sent += opts.batchSize) {
		const n = Math.min(opts.batchSize, opts.messages - sent);
		await producer.send({ topic, acks: -1, messages: Array.from({ length: n }, (_, i) => ({ key: keys[(sent + i) % keys.length], value })) });
		opts.onTick?.(`kafka raw produce ${sent + n}/${opts.messages}`);
	}
	const produceMs = performance.now() - produceStart;
	await producer.disconnect();

	const consumer = kafka.consumer({ groupId: `gozon-bench-${randomUUID()}`, maxBytesPerPartition: 4 * 1024 * 1024 });
	await consumer.connect();
	await consumer.subscribe({ topic, fromBeginning: true });
	let consumed = 0;
	let consumeStart = 0;
	const done = new Promise<void>(resolve => {
		void consumer.run({
			eachBatch: async ({ batch }) => {
				if (consumeStart === 0) consumeStart = performance.now();
				consumed += batch.messages.length;
				opts.onTick?.(`kafka raw consume ${consumed}/${opts.messages}`);
				if (consumed >= opts.messages) resolve();
			},
		});
	});
	await done;
	const consumeMs = performance.now() - consumeStart;
	await consumer.disconnect();
	await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
	await admin.disconnect();
	return { producePerSecond: rate(opts.messages, produceMs), consumePerSecond: rate(opts.messages, consumeMs), messageBytes: value.length };
}
