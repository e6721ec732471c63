/**
 * What operators and the gateway's readiness probe ask of a service that owns the delivery
 * machinery: is its database and event log reachable, and how are outbox and inbox doing.
 */
import type { ServiceSchema } from "moleculer";

async function probe(check: () => Promise<void>): Promise<{ ok: boolean; error?: string }> {
	try {
		await check();
		return { ok: true };
	} catch (err) {
		return { ok: false, error: (err as Error).message };
	}
}

export interface OperationsOptions {
	/** The service's own counters, added to `stats` (orders: its group commit). */
	stats?(service: unknown): Record<string, unknown>;
}

export function operationsMixin(opts: OperationsOptions = {}): Partial<ServiceSchema> {
	return {
		actions: {
			/** Readiness of this instance: its database and its event log. */
			health: {
				async handler() {
					const [database, eventLog] = await Promise.all([
						probe(() => this.pingDatabase()),
						probe(() => this.inboxEventLog.ping()),
					]);
					return { ok: database.ok && eventLog.ok, nodeID: this.broker.nodeID, database, eventLog };
				},
			},
			/** Outbox backlog, relay and inbox counters of this instance. */
			stats: {
				async handler() {
					return {
						nodeID: this.broker.nodeID,
						outbox: await this.outboxBacklog(),
						relay: this.relay.stats,
						inbox: this.inboxStats,
						...opts.stats?.(this),
					};
				},
			},
		},
	};
}
