/**
 * The inbox's one statement: remember this envelope id, in the caller's transaction. It returns
 * false when the id was seen before, and the caller then skips the effect. Because the row and
 * the effect commit together, a redelivered event can never be applied twice, and a crash
 * before the commit leaves neither.
 */
import type { SqlEntityManager } from "../orm.mixin.js";
import type { CloudEvent } from "../../domain/events/envelope.js";

export async function recordDelivery(em: SqlEntityManager, event: CloudEvent, topic: string): Promise<boolean> {
	const rows = await em.execute<unknown[]>(
		`insert into inbox_messages (event_id, type, source, topic) values (?, ?, ?, ?)
		 on conflict (event_id) do nothing
		 returning event_id`,
		[event.id, event.type, event.source, topic],
	);
	return rows.length === 1;
}
