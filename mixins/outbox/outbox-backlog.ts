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
 *
 * The planner is told not to scan the table. With no statistics on it (a table ANALYZE has not
 * reached yet, or a server with autovacuum off) it takes `parked_at is not null` to match nearly
 * every row and reads the whole outbox to count the parked ones: 50–60 ms of the database's CPU
 * on every sample once the outbox held 40,000 published rows (README.md, "Round nine").
 */
export async function readOutboxBacklog(em: SqlEntityManager): Promise<OutboxBacklog> {
	return em.transactional(async tx => {
		await tx.execute(`set local enable_seqscan = off`);
		const [row] = await tx.execute<{ pending: number; parked: number; oldest: string | null }[]>(
			`select (select count(*) from outbox_messages where published_at is null and parked_at is null)::int as pending,
			        (select count(*) from outbox_messages where parked_at is not null)::int as parked,
			        (select (extract(epoch from clock_timestamp() - created_at) * 1000)::bigint from outbox_messages
			          where published_at is null and parked_at is null order by seq limit 1) as oldest`,
		);
		return { pending: Number(row.pending), parked: Number(row.parked), oldestPendingAgeMs: row.oldest === null ? null : Number(row.oldest) };
	});
}
