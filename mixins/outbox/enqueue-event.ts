/**
 * Writes domain events into the outbox inside the caller's transaction: an event exists if and
 * only if the state change it announces commits. The caller wakes its own relay once the
 * transaction has committed (`this.relay.wake()`); no NOTIFY is sent from here, because a
 * transaction that notifies takes a database-wide lock at commit, and every relay of the
 * database would wake to compete for the same rows.
 */
import type { EntityManager } from "@mikro-orm/core";
import type { CloudEvent } from "../../domain/events/envelope.js";
import { checkEvent } from "../../domain/events/validate-event.js";

export interface OutboxEntry {
	topic: string;
	/** Partition key: one user's events stay in order on one partition. */
	key: string;
	event: CloudEvent;
	headers?: Record<string, string>;
}

type SqlEntityManager = EntityManager & { execute(sql: string, params?: unknown[]): Promise<unknown[]> };

export async function enqueueEvents(em: EntityManager, entries: OutboxEntry[]): Promise<void> {
	if (entries.length === 0) return;
	for (const entry of entries) {
		const verdict = checkEvent(entry.event);
		// A producer bug must fail the transaction, not poison the topic.
		if (!verdict.ok) throw new Error(`refusing to publish an invalid ${entry.event.type} event: ${verdict.reason}`);
	}
	const sqlEm = em as SqlEntityManager;
	const values = entries.map(() => "(?, ?, ?, ?::jsonb, ?::jsonb)").join(", ");
	const params = entries.flatMap(e => [e.event.id, e.topic, e.key, JSON.stringify(e.event), JSON.stringify(e.headers ?? {})]);
	await sqlEm.execute(`insert into outbox_messages (id, topic, key, payload, headers) values ${values}`, params);
}

export function enqueueEvent(em: EntityManager, entry: OutboxEntry): Promise<void> {
	return enqueueEvents(em, [entry]);
}
