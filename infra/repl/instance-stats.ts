/**
 * Asks every running instance of orders and payments for its `stats` (outbox backlog, relay and
 * inbox counters; mixins/operations.mixin.ts). A balanced call would reach one instance of each;
 * the REPL wants all of them, so each is called by node id.
 */
import type { ServiceBroker } from "moleculer";
import type { InboxStats } from "../../mixins/inbox.mixin.js";
import type { RelayStats } from "../../mixins/outbox/outbox-relay.js";

export const DELIVERY_SERVICES = ["orders", "payments"] as const;

export interface InstanceStats {
	nodeID: string;
	service: string;
	outbox: { pending: number; parked: number; oldestPendingAgeMs: number | null };
	relay: RelayStats;
	inbox: InboxStats;
}

export interface Unreachable {
	nodeID: string;
	service: string;
	error: string;
}

export async function collectInstanceStats(broker: ServiceBroker, timeoutMs = 5000): Promise<{ stats: InstanceStats[]; unreachable: Unreachable[] }> {
	const instances = (broker.registry.getServiceList({ onlyAvailable: true, skipInternal: true }) as { name: string; nodeID: string }[])
		.filter(s => (DELIVERY_SERVICES as readonly string[]).includes(s.name))
		.sort((a, b) => a.name.localeCompare(b.name) || a.nodeID.localeCompare(b.nodeID));
	const answers = await Promise.all(
		instances.map(async ({ name, nodeID }) => {
			try {
				const stats = await broker.call<Omit<InstanceStats, "service">, object>(`${name}.stats`, {}, { nodeID, timeout: timeoutMs });
				return { ok: true as const, stats: { ...stats, nodeID, service: name } };
			} catch (err) {
				return { ok: false as const, unreachable: { nodeID, service: name, error: (err as Error).message } };
			}
		}),
	);
	return {
		stats: answers.flatMap(a => (a.ok ? [a.stats] : [])),
		unreachable: answers.flatMap(a => (a.ok ? [] : [a.unreachable])),
	};
}
