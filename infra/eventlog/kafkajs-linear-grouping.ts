/**
 * KafkaJS 2.2.4 sorts a batch's messages by partition by copying a partition's whole list each
 * time it adds a message to it (`[...current, message]`): quadratic in the batch. For the relay's
 * batches of 1,000 events that was a tenth of its process's CPU (README.md, "Round eight"). The
 * fix is the one proposed upstream (tulios/kafkajs#1576, not released): one list per partition,
 * appended to.
 *
 * KafkaJS's producer takes the function when its module loads, so the linear one must be in the
 * module cache before then: this module puts it there when it is evaluated, and every module
 * that imports kafkajs imports this one first (test/unit/kafkajs-linear-grouping.test.ts checks
 * the sources, and that a process loading the event log gets the linear grouping).
 */
import { createRequire } from "node:module";

interface Partitioned<M> {
	topic: string;
	partitionMetadata: unknown[];
	messages: M[];
	partitioner: (args: { topic: string; partitionMetadata: unknown[]; message: M }) => number;
}

/** The messages of each partition, in the order given. */
export function groupMessagesPerPartition<M>({ topic, partitionMetadata, messages, partitioner }: Partitioned<M>): Record<number, M[]> {
	const byPartition: Record<number, M[]> = {};
	if (partitionMetadata.length === 0) return byPartition;
	for (const message of messages) {
		const partition = partitioner({ topic, partitionMetadata, message });
		(byPartition[partition] ??= []).push(message);
	}
	return byPartition;
}

const require = createRequire(import.meta.url);
const groupingPath = require.resolve("kafkajs/src/producer/groupMessagesPerPartition.js");
const producerPath = require.resolve("kafkajs/src/producer/sendMessages.js");

/** Whether KafkaJS's producer had not loaded yet when the linear grouping went in: it then uses it. */
export const linearGroupingInstalled = !require.cache[producerPath] && install();

function install(): boolean {
	require(groupingPath);
	const cached = require.cache[groupingPath];
	// A loader that keeps no module cache leaves KafkaJS's own grouping in place.
	if (!cached) return false;
	cached.exports = groupMessagesPerPartition;
	return true;
}
