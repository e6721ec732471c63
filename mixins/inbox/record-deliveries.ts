/**
 * The inbox's write: remember these envelope ids. It runs inside the handler's own statement, as
 * a data-modifying CTE (inbox.mixin.ts), and returns the ids not seen before as `event_id`; the
 * handler's effects depend on them or on keys of its own. Because the rows and the effects commit
 * together, a redelivered event can never be applied twice, and a crash before the commit leaves
 * neither.
 */
import type { CloudEvent } from "../../domain/events/envelope.js";
import { pgArray } from "../../infra/db/run-statement.js";
import type { SqlWrite } from "../orm.mixin.js";

/** The same text for any number of events (run-statement.ts prepares it once). */
export function recordDeliveries(events: CloudEvent[], topic: string): SqlWrite {
	return {
		sql: `insert into inbox_messages (event_id, type, source, topic)
		      select event_id, type, source, ?::text from unnest(?::uuid[], ?::text[], ?::text[]) as e (event_id, type, source)
		      on conflict (event_id) do nothing
		      returning event_id`,
		params: [topic, pgArray(events.map(e => e.id)), pgArray(events.map(e => e.type)), pgArray(events.map(e => e.source))],
	};
}
