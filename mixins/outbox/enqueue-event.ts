/**
 * Writes domain events into the outbox inside the caller's transaction, or in the very statement
 * that makes the state change (outboxInsertFrom): an event exists if and only if the state change
 * it announces commits. No NOTIFY is sent from here, because a
 * transaction that notifies takes a database-wide lock at commit, and every relay of the
 * database would wake to compete for the same rows.
 *
 * Rows written with a `lease` belong to that relay from the start: once their write commits,
 * the relay sends them straight from memory, with no claim query (OutboxRelay.enqueue and
 * publishCommitted). If that relay dies first, the lease runs out and any relay's claim takes them.
 */
import type { EntityManager } from "@mikro-orm/core";
import type { CloudEvent } from "../../domain/events/envelope.js";
import { checkEvent } from "../../domain/events/validate-event.js";
import { uuidKey } from "../../domain/uuid-key.js";
import { pgArray, runStatement } from "../../infra/db/run-statement.js";
import type { SqlWrite } from "../orm.mixin.js";

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

/** An outbox row before its insert gives it a `seq`. */
export type NewOutboxRow = Omit<OutboxRow, "seq">;

/** Checks each event and makes it the row a relay will send; a producer bug fails the write, not the topic. */
export function outboxRowsOf(entries: OutboxEntry[]): NewOutboxRow[] {
	return entries.map(entry => {
		const verdict = checkEvent(entry.event);
		if (!verdict.ok) throw new Error(`refusing to publish an invalid ${entry.event.type} event: ${verdict.reason}`);
		return { id: entry.event.id, topic: entry.topic, key: entry.key, payload: entry.event, payloadText: JSON.stringify(entry.event), headers: entry.headers ?? {}, attempts: 0 };
	});
}

/**
 * `insert into outbox_messages` from `source`, a relation with the columns (id, topic, key,
 * payload, headers) and its own parameters; returns (seq, id) of each row. It runs alone
 * (enqueueEvents) or as a data-modifying CTE of the statement that makes the state change, so
 * that the two commit together without a transaction around them.
 */
export function outboxInsertFrom(source: string, sourceParams: unknown[], lease?: OutboxLease): SqlWrite {
	const leased = lease ? ", ?::text, clock_timestamp() + ?::int * interval '1 millisecond'" : "";
	return {
		sql: `insert into outbox_messages (id, topic, key, payload, headers${lease ? ", claimed_by, claimed_until" : ""})
		      select id, topic, key, payload, headers${leased} from ${source} returning seq, id`,
		params: [...(lease ? [lease.holder, lease.ms] : []), ...sourceParams],
	};
}

/** The insert of these rows (outboxInsertFrom with the rows as arrays: the same text for any number). */
export function outboxInsert(rows: NewOutboxRow[], lease?: OutboxLease): SqlWrite {
	return outboxInsertFrom(
		"unnest(?::uuid[], ?::text[], ?::text[], ?::jsonb[], ?::jsonb[]) as v (id, topic, key, payload, headers)",
		[pgArray(rows.map(r => r.id)), pgArray(rows.map(r => r.topic)), pgArray(rows.map(r => r.key)), pgArray(rows.map(r => r.payloadText)), pgArray(rows.map(r => JSON.stringify(r.headers)))],
		lease,
	);
}

/** The rows with the `seq` their insert returned; every row must have been inserted. */
export function withSeqs(rows: NewOutboxRow[], inserted: { seq: string | number; id: string }[]): OutboxRow[] {
	const seqOf = new Map(inserted.map(row => [uuidKey(row.id), String(row.seq)]));
	return rows.map(r => {
		const seq = seqOf.get(uuidKey(r.id));
		if (seq === undefined) throw new Error(`outbox row ${r.id} was not inserted`);
		return { ...r, seq };
	});
}

/** Writes events into the outbox inside the caller's transaction. */
export async function enqueueEvents(em: EntityManager, entries: OutboxEntry[], lease?: OutboxLease): Promise<OutboxRow[]> {
	if (entries.length === 0) return [];
	const rows = outboxRowsOf(entries);
	const insert = outboxInsert(rows, lease);
	return withSeqs(rows, await runStatement<{ seq: string; id: string }>(em, insert.sql, insert.params));
}
