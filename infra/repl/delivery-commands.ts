/**
 * REPL commands that show the delivery machinery of every orders and payments instance:
 * `outbox` (backlog and relay), `inbox` (applied, duplicates, retries) and `dlq` (dead letters,
 * per instance and, with KAFKA_BROKERS set, what the DLQ topics hold).
 */
import type { ServiceBroker } from "moleculer";
import { deadLetterCounts } from "../audit/dead-letter-counts.js";
import { collectInstanceStats, type InstanceStats, type Unreachable } from "./instance-stats.js";
import { ageOf, textTable } from "./text-table.js";

export type Print = (text: string) => void;

function reportUnreachable(print: Print, unreachable: Unreachable[]): void {
	for (const u of unreachable) print(`  ${u.service} on ${u.nodeID} did not answer: ${u.error}`);
}

async function withStats(broker: ServiceBroker, print: Print, show: (stats: InstanceStats[]) => void): Promise<InstanceStats[]> {
	const { stats, unreachable } = await collectInstanceStats(broker);
	if (stats.length === 0 && unreachable.length === 0) print("No orders or payments instance is on the mesh (is TRANSPORTER/NAMESPACE the mesh's?).");
	else show(stats);
	reportUnreachable(print, unreachable);
	return stats;
}

export function printOutbox(broker: ServiceBroker, print: Print): Promise<InstanceStats[]> {
	return withStats(broker, print, stats => {
		print(
			textTable(
				["node", "service", "pending", "parked", "oldest pending", "published", "refused", "outage errors"],
				stats.map(s => [s.nodeID, s.service, s.outbox.pending, s.outbox.parked, ageOf(s.outbox.oldestPendingAgeMs), s.relay.published, s.relay.failedAttempts, s.relay.outageErrors]),
			),
		);
		print("pending, parked, oldest: the service's database (the same for each of its instances); the rest: this instance since it started.");
	});
}

export function printInbox(broker: ServiceBroker, print: Print): Promise<InstanceStats[]> {
	return withStats(broker, print, stats => {
		print(
			textTable(
				["node", "service", "applied", "duplicates", "dead-lettered", "conflict retries"],
				stats.map(s => [s.nodeID, s.service, s.inbox.applied, s.inbox.duplicates, s.inbox.deadLettered, s.inbox.conflictRetries]),
			),
		);
		print("Counted by each instance since it started.");
	});
}

export async function printDeadLetters(broker: ServiceBroker, print: Print): Promise<void> {
	await withStats(broker, print, stats => {
		print(textTable(["node", "service", "dead-lettered"], stats.map(s => [s.nodeID, s.service, s.inbox.deadLettered])));
	});
	const brokers = (process.env.KAFKA_BROKERS ?? "").split(",").filter(Boolean);
	if (brokers.length === 0) {
		print("Set KAFKA_BROKERS to also see how many messages each DLQ topic holds.");
		return;
	}
	try {
		const counts = await deadLetterCounts(brokers);
		print(textTable(["DLQ topic", "messages"], Object.entries(counts).map(([topic, n]) => [topic, n])));
	} catch (err) {
		print(`The DLQ topics could not be read from ${brokers.join(",")}: ${(err as Error).message}`);
	}
}
