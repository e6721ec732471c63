/**
 * A user id whose events the test's own consumers will handle.
 *
 * Kafka's consumer groups (gozon-payments on the orders topic, gozon-orders on the payments
 * topic) are shared with whatever else runs against the same broker: another test run, a
 * developer's `npm run stack`. Events are keyed by user id, and a key's partition — and so the
 * consumer that gets it — follows from the key. A test that must see an event in one particular
 * instance (its log line, its counters) reads the groups' current assignments and picks a user
 * whose events land on partitions its own instances hold.
 */
// Before kafkajs: its producer takes the partition grouping when it loads.
import "../../infra/eventlog/kafkajs-linear-grouping.js";
import { randomUUID } from "node:crypto";
import { AssignerProtocol, logLevel, Partitioners, type PartitionMetadata } from "kafkajs";
import { kafkaClient } from "../../infra/eventlog/kafka-client.js";
import { waitFor } from "../support/wait-for.js";

export interface Owner {
	groupId: string;
	topic: string;
	/**
	 * The Kafka client ids that are the test's own: `gozon-<node id>` of the instance that opened
	 * the process's event log (infra/eventlog/shared-event-log.ts; the instances of one process
	 * share it, so any of their node ids may be the one).
	 */
	clientIds: string[];
}

export async function ownedUserId(owners: Owner[], timeoutMs = 30_000): Promise<string> {
	const brokers = (process.env.KAFKA_BROKERS ?? "").split(",").filter(Boolean);
	const admin = kafkaClient({ clientId: `gozon-test-${randomUUID().slice(0, 6)}`, brokers, logLevel: logLevel.NOTHING }).admin();
	await admin.connect();
	try {
		const held = await waitFor(
			async () => {
				const { groups } = await admin.describeGroups([...new Set(owners.map(o => o.groupId))]);
				return owners.map(owner => {
					const group = groups.find(g => g.groupId === owner.groupId);
					const member = group?.state === "Stable" ? group.members.find(m => owner.clientIds.includes(m.clientId)) : undefined;
					const assignment = member && member.memberAssignment.length > 0 ? AssignerProtocol.MemberAssignment.decode(member.memberAssignment) : null;
					return new Set(assignment?.assignment[owner.topic] ?? []);
				});
			},
			sets => sets.every(s => s.size > 0),
			{ timeoutMs, intervalMs: 250, what: `partitions assigned to ${owners.map(o => `${o.clientIds.join("|")} in ${o.groupId}`).join(", ")}` },
		);
		const metadata = await admin.fetchTopicMetadata({ topics: [...new Set(owners.map(o => o.topic))] });
		const partitionsOf = (topic: string) => metadata.topics.find(t => t.name === topic)!.partitions as PartitionMetadata[];
		const partitioner = Partitioners.DefaultPartitioner();
		for (let attempt = 0; attempt < 10_000; attempt++) {
			const userId = randomUUID();
			const owned = owners.every((owner, i) =>
				held[i].has(partitioner({ topic: owner.topic, partitionMetadata: partitionsOf(owner.topic), message: { key: userId, value: null } })),
			);
			if (owned) return userId;
		}
		throw new Error("no user id found whose events land on the test's partitions");
	} finally {
		await admin.disconnect();
	}
}
