/**
 * Writes a domain event into the outbox inside the caller's transaction: the event exists if and
 * only if the state change it announces commits. NOTIFY is transactional too, so relays wake
 * exactly when the row becomes visible.
 */
import type { EntityManager } from "@mikro-orm/core";
import type { CloudEvent } from "../../domain/events/envelope.js";
import { checkEvent } from "../../domain/events/validate-event.js";
import { OUTBOX_NOTIFY_CHANNEL } from "./outbox-table.sql.js";

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
	await sqlEm.execute(`select pg_notify('${OUTBOX_NOTIFY_CHANNEL}', '')`);
}

export function enqueueEvent(em: EntityManager, entry: OutboxEntry): Promise<void> {
	return enqueueEvents(em, [entry]);
}
