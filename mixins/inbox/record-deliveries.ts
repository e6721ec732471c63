/**
 * The inbox's one statement: remember these envelope ids, in the caller's transaction. It returns
 * the ids not seen before; the caller applies only those. Because the rows and the effects
 * commit together, a redelivered event can never be applied twice, and a crash before the
 * commit leaves neither.
 */
import type { SqlEntityManager } from "../orm.mixin.js";
import type { CloudEvent } from "../../domain/events/envelope.js";

export async function recordDeliveries(em: SqlEntityManager, events: CloudEvent[], topic: string): Promise<Set<string>> {
	if (events.length === 0) return new Set();
	const rows = await em.execute<{ event_id: string }[]>(
		`insert into inbox_messages (event_id, type, source, topic) values ${events.map(() => "(?, ?, ?, ?)").join(", ")}
		 on conflict (event_id) do nothing
		 returning event_id`,
		events.flatMap(event => [event.id, event.type, event.source, topic]),
	);
	return new Set(rows.map(row => row.event_id));
}
