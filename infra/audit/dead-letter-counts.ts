/** How many messages each dead-letter topic holds, read from the broker's offsets. */
// Before kafkajs: its producer takes the partition grouping when it loads.
import "../eventlog/kafkajs-linear-grouping.js";
import { logLevel } from "kafkajs";
import { ORDERS_TOPIC, PAYMENTS_TOPIC, dlqTopic } from "../../domain/events/topics.js";
import { kafkaClient } from "../eventlog/kafka-client.js";
import { topicOffsets } from "../eventlog/topic-offsets.js";

export async function deadLetterCounts(brokers: string[]): Promise<Record<string, number>> {
	const kafka = kafkaClient({ clientId: "gozon-audit", brokers, logLevel: logLevel.NOTHING, retry: { retries: 1 } });
	const admin = kafka.admin();
	await admin.connect();
	try {
		const existing = new Set(await admin.listTopics());
		const counts: Record<string, number> = {};
		for (const topic of [ORDERS_TOPIC, PAYMENTS_TOPIC].map(dlqTopic)) {
			if (!existing.has(topic)) {
				counts[topic] = 0;
				continue;
			}
			const offsets = await topicOffsets(kafka, topic);
			counts[topic] = offsets.reduce((n, p) => n + Number(p.high) - Number(p.low), 0);
		}
		return counts;
	} finally {
		await admin.disconnect();
	}
}
