/**
 * Writes domain events into the outbox inside the caller's transaction: an event exists if and
 * only if the state change it announces commits. No NOTIFY is sent from here, because a
 * transaction that notifies takes a database-wide lock at commit, and every relay of the
 * database would wake to compete for the same rows.
 *
 * Rows written with a `lease` belong to that relay from the start: once the transaction commits,
 * the relay sends them straight from memory, with no claim query (OutboxRelay.enqueue and
 * publishCommitted). If that relay dies first, the lease runs out and any relay's claim takes them.
 */
import type { EntityManager } from "@mikro-orm/core";
import type { CloudEvent } from "../../domain/events/envelope.js";
import { checkEvent } from "../../domain/events/validate-event.js";
import { uuidKey } from "../../domain/uuid-key.js";

export interface OutboxEntry {
	topic: string;
	/** Partition key: one user's events stay in order on one partition. */
	key: string;
	event: CloudEvent;
	headers?: Record<string, string>;
}

/** An outbox row as a relay publishes it. */
export interface OutboxRow {
	seq: string;
	id: string;
	topic: string;
	key: string;
	payload: unknown;
	/** The payload as the JSON text the log is sent, so a relay does not serialize it again. */
	payloadText: string;
	headers: Record<string, string> | null;
	attempts: number;
}

export interface OutboxLease {
	holder: string;
	ms: number;
}

type SqlEntityManager = EntityManager & { execute<T = unknown[]>(sql: string, params?: unknown[]): Promise<T> };

export async function enqueueEvents(em: EntityManager, entries: OutboxEntry[], lease?: OutboxLease): Promise<OutboxRow[]> {
	if (entries.length === 0) return [];
	for (const entry of entries) {
		const verdict = checkEvent(entry.event);
		// A producer bug must fail the transaction, not poison the topic.
		if (!verdict.ok) throw new Error(`refusing to publish an invalid ${entry.event.type} event: ${verdict.reason}`);
	}
	const sqlEm = em as SqlEntityManager;
	const leased = lease ? ", ?, clock_timestamp() + (? || ' milliseconds')::interval" : "";
	const values = entries.map(() => `(?, ?, ?, ?::jsonb, ?::jsonb${leased})`).join(", ");
	const rows = entries.map(e => ({ id: e.event.id, topic: e.topic, key: e.key, payload: e.event, payloadText: JSON.stringify(e.event), headers: e.headers ?? {}, attempts: 0 }));
	const params = rows.flatMap(r => [r.id, r.topic, r.key, r.payloadText, JSON.stringify(r.headers), ...(lease ? [lease.holder, String(lease.ms)] : [])]);
	const columns = `id, topic, key, payload, headers${lease ? ", claimed_by, claimed_until" : ""}`;
	const inserted = await sqlEm.execute<{ seq: string; id: string }[]>(`insert into outbox_messages (${columns}) values ${values} returning seq, id`, params);
	const seqOf = new Map(inserted.map(row => [uuidKey(row.id), String(row.seq)]));
	return rows.map(r => ({ ...r, seq: seqOf.get(uuidKey(r.id))! }));
}
