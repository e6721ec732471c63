/**
 * A topic's low and high offsets per partition, read through the admin client, waiting out the
 * moments in which a partition has no leader yet.
 *
 * Right after a topic is created (by createTopics or by the broker on a first produce), a
 * partition can answer NOT_LEADER_OR_FOLLOWER or LEADER_NOT_AVAILABLE for a while; KafkaJS's
 * fetchTopicOffsets gives up on those at once. Both are retriable, so they are retried here,
 * with a fresh admin client each time so stale metadata is not carried over.
 */
import type { Admin, Kafka } from "kafkajs";
import { sleep } from "./backoff.js";

export interface PartitionOffsets {
	partition: number;
	low: string;
	high: string;
}

export async function topicOffsets(kafka: Kafka, topic: string, { timeoutMs = 15_000 } = {}): Promise<PartitionOffsets[]> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const admin: Admin = kafka.admin();
		try {
			await admin.connect();
			return await admin.fetchTopicOffsets(topic);
		} catch (err) {
			if (!isRetriable(err) || Date.now() > deadline) throw err;
		} finally {
			await admin.disconnect().catch(() => undefined);
		}
		await sleep(100);
	}
}

function isRetriable(err: unknown): boolean {
	return typeof err === "object" && err !== null && (err as { retriable?: unknown }).retriable === true;
}
