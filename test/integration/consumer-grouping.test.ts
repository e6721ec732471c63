/**
 * A consumer's fetch brings the messages of all its partitions at once; the event log hands the
 * slices of one fetch to the handler as one batch (one inbox transaction), each partition's
 * messages contiguous and in order, instead of the first partition alone and then the rest.
 */
// Before kafkajs: its producer takes the partition grouping when it loads.
import "../../infra/eventlog/kafkajs-linear-grouping.js";
import { randomUUID } from "node:crypto";
import { afterAll, describe, expect, it } from "@jest/globals";
import { logLevel } from "kafkajs";
import type { IncomingMessage } from "../../infra/eventlog/event-log.js";
import { kafkaClient } from "../../infra/eventlog/kafka-client.js";
import { KafkaEventLog } from "../../infra/eventlog/kafka-event-log.js";
import { waitFor } from "../support/wait-for.js";

const brokers = (process.env.KAFKA_BROKERS ?? "").split(",").filter(Boolean);
const quiet = { info: () => undefined, warn: () => undefined, debug: () => undefined };
const topic = `gozon.test.grouping.${randomUUID().slice(0, 8)}`;
const eventLog = new KafkaEventLog({ brokers, clientId: "gozon-test-grouping", topics: [topic], partitions: 6, logger: quiet });

afterAll(async () => {
	await eventLog.close();
	const admin = kafkaClient({ clientId: "gozon-test-grouping", brokers, logLevel: logLevel.NOTHING }).admin();
	await admin.connect();
	await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
	await admin.disconnect();
});

describe("a consumer's fetch", () => {
	it("reaches the handler as one batch holding every partition's messages, each partition's in order", async () => {
		// In the log before the consumer joins, so its first fetch returns them from every partition.
		await eventLog.publish(Array.from({ length: 60 }, (_, i) => ({ topic, key: `user-${i}`, value: String(i) })));
		const batches: IncomingMessage[][] = [];
		const subscription = await eventLog.consume({ groupId: `gozon-test-grouping-${randomUUID()}`, topic, handleBatch: async messages => void batches.push(messages) });
		try {
			await waitFor(async () => batches.flat().length, consumed => consumed >= 60, { what: "60 messages consumed" });
		} finally {
			await subscription.stop();
		}
		const partitions = (messages: IncomingMessage[]) => [...new Set(messages.map(m => m.partition))];
		expect(partitions(batches.flat())).toHaveLength(6);
		expect(batches).toHaveLength(1);
		for (const partition of partitions(batches[0])) {
			const offsets = batches[0].filter(m => m.partition === partition).map(m => Number(m.offset));
			expect(offsets).toEqual(offsets.map((_, i) => offsets[0] + i));
		}
	});
});
