/**
 * Reading a topic's offsets in the moments after it is created, when its partitions have no
 * leader yet: the audit's dead-letter counts and the tests' topic watches start with that read.
 * KafkaJS's own fetchTopicOffsets fails there with NOT_LEADER_OR_FOLLOWER on a loaded machine.
 */
// Before kafkajs: its producer takes the partition grouping when it loads.
import "../../infra/eventlog/kafkajs-linear-grouping.js";
import { randomUUID } from "node:crypto";
import { afterAll, describe, expect, it } from "@jest/globals";
import { logLevel } from "kafkajs";
import { kafkaClient } from "../../infra/eventlog/kafka-client.js";
import { topicOffsets } from "../../infra/eventlog/topic-offsets.js";

const kafka = kafkaClient({
	clientId: "gozon-test-offsets",
	brokers: (process.env.KAFKA_BROKERS ?? "").split(",").filter(Boolean),
	logLevel: logLevel.NOTHING,
});
const created: string[] = [];

afterAll(async () => {
	const admin = kafka.admin();
	await admin.connect();
	await admin.deleteTopics({ topics: created }).catch(() => undefined);
	await admin.disconnect();
});

describe("topic offsets", () => {
	it("are read from a topic whose partitions are still electing their leaders", async () => {
		const admin = kafka.admin();
		await admin.connect();
		try {
			for (let i = 0; i < 5; i++) {
				const topic = `gozon.test.offsets.${randomUUID().slice(0, 8)}`;
				created.push(topic);
				// Not waiting for leaders: the read below comes while they are being chosen.
				await admin.createTopics({ topics: [{ topic, numPartitions: 24 }], waitForLeaders: false });
				const offsets = await topicOffsets(kafka, topic);
				expect(offsets.map(o => o.partition).sort((a, b) => a - b)).toEqual([...Array(24).keys()]);
				expect(offsets.every(o => o.low === "0" && o.high === "0")).toBe(true);
			}
		} finally {
			await admin.disconnect();
		}
	});

	it("count the messages a topic holds once it has leaders", async () => {
		const topic = `gozon.test.offsets.${randomUUID().slice(0, 8)}`;
		created.push(topic);
		const producer = kafka.producer();
		await producer.connect();
		await producer.send({ topic, messages: ["a", "b", "c"].map(key => ({ key, value: key })) });
		await producer.disconnect();
		const offsets = await topicOffsets(kafka, topic);
		expect(offsets.reduce((n, o) => n + Number(o.high) - Number(o.low), 0)).toBe(3);
	});
});
