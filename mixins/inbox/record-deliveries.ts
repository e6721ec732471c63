/**
 * The inbox's write: remember these envelope ids. It runs inside the handler's own statement, as
 * a data-modifying CTE (inbox.mixin.ts), and returns the ids not seen before as `event_id`; the
 * handler's effects depend on them or on keys of its own. Because the rows and the effects commit
 * together, a redelivered event can never be applied twice, and a crash before the commit leaves
 * neither.
 */
import type { CloudEvent } from "../../domain/events/envelope.js";
import type { SqlWrite } from "../orm.mixin.js";

export function recordDeliveries(events: CloudEvent[], topic: string): SqlWrite {
	return {
		sql: `insert into inbox_messages (event_id, type, source, topic)
		      values ${events.map(() => "(?::uuid, ?, ?, ?)").join(", ")}
		      on conflict (event_id) do nothing
		      returning event_id`,
		params: events.flatMap(event => [event.id, event.type, event.source, topic]),
	};
}
