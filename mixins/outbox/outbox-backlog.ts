/** How far behind the relays are: pending and parked rows, and the age of the oldest pending one. */
import type { SqlEntityManager } from "../orm.mixin.js";

export interface OutboxBacklog {
	pending: number;
	parked: number;
	oldestPendingAgeMs: number | null;
}

/**
 * Each figure is read off a partial index: the table also holds every published row of the
 * retention period, and the metrics sample this on every instance every few seconds.
 */
export async function readOutboxBacklog(em: SqlEntityManager): Promise<OutboxBacklog> {
	const [row] = await em.execute<{ pending: number; parked: number; oldest: string | null }[]>(
		`select (select count(*) from outbox_messages where published_at is null and parked_at is null)::int as pending,
		        (select count(*) from outbox_messages where parked_at is not null)::int as parked,
		        (select (extract(epoch from clock_timestamp() - created_at) * 1000)::bigint from outbox_messages
		          where published_at is null and parked_at is null order by seq limit 1) as oldest`,
	);
	return { pending: Number(row.pending), parked: Number(row.parked), oldestPendingAgeMs: row.oldest === null ? null : Number(row.oldest) };
}
