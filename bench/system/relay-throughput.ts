/**
 * Relay throughput: a backlog of valid events committed to the outbox in one transaction, then
 * timed until the running relays have published every row to Kafka.
 */
import { randomUUID } from "node:crypto";
import pg from "pg";
import { rate } from "../load.js";

export async function measureRelay(opts: { ordersUrl: string; rows: number; onTick?: (text: string) => void }) {
	const db = new pg.Client({ connectionString: opts.ordersUrl });
	await db.connect();
	// Nothing consumes this topic: the figure is the relays' alone.
	const topic = `gozon.bench.relay`;
	const { rows: [{ last }] } = await db.query(`select coalesce(max(seq), 0)::text as last from outbox_messages`);
	await db.query("begin");
	for (let i = 0; i < opts.rows; i += 5000) {
		const n = Math.min(5000, opts.rows - i);
		const payloads = Array.from({ length: n }, () => {
			const orderId = randomUUID();
			const userId = randomUUID();
			return JSON.stringify({ specversion: "1.0", id: randomUUID(), source: "gozon/orders", type: "gozon.order.created", time: new Date().toISOString(), subject: orderId, datacontenttype: "application/json", data: { orderId, userId, amount: 1, description: "bench relay" } });
		});
		await db.query(
			`insert into outbox_messages (id, topic, key, payload)
			 select (p->>'id')::uuid, $1, p->'data'->>'userId', p from unnest($2::jsonb[]) as p`,
			[topic, payloads],
		);
	}
	const started = performance.now();
	await db.query("select pg_notify('gozon_outbox', '')");
	await db.query("commit");
	for (;;) {
		// The lowest pending row of the backlog, found at the head of the pending-rows index: a
		// count of the rows left would scan the whole backlog on every look and slow the relays down.
		const { rows } = await db.query(
			`select seq::text from outbox_messages where published_at is null and parked_at is null and seq > $1 and topic = $2 order by seq limit 1`,
			[last, topic],
		);
		if (rows.length === 0) break;
		opts.onTick?.(`relay: about ${Math.min(opts.rows, Number(BigInt(rows[0].seq) - BigInt(last) - 1n))}/${opts.rows} published`);
		if (performance.now() - started > 300_000) throw new Error("relay benchmark did not finish in 300 s");
		await new Promise(resolve => setTimeout(resolve, 100));
	}
	const ms = performance.now() - started;
	await db.end();
	return { eventsPerSecond: rate(opts.rows, ms), rows: opts.rows, seconds: ms / 1000 };
}
