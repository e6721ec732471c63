/**
 * The limit for the gateway read: a bare Node HTTP server doing the same database read as
 * GET /api/orders/:id (one order by id and user), with no Moleculer, NATS or validation.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import pg from "pg";
import { httpGetter } from "../http-get.js";
import { closedLoop, rate } from "../load.js";

export async function measureBareHttpRead(opts: { ordersUrl: string; orders: { id: string; userId: string }[]; concurrency: number; durationMs: number; onTick?: (n: number) => void }) {
	const pool = new pg.Pool({ connectionString: opts.ordersUrl, max: 10 });
	const server = http.createServer(async (req, res) => {
		const id = req.url!.split("/").pop();
		const { rows } = await pool.query(`select * from orders where id = $1 and user_id = $2`, [id, req.headers["x-user-id"]]);
		res.writeHead(rows.length ? 200 : 404, { "content-type": "application/json" });
		res.end(JSON.stringify(rows[0] ?? {}));
	});
	await new Promise<void>(resolve => server.listen(0, "127.0.0.1", resolve));
	const get = httpGetter(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, opts.concurrency);
	let i = 0;
	const result = await closedLoop(
		opts.concurrency,
		opts.durationMs,
		() => {
			const o = opts.orders[i++ % opts.orders.length];
			return get(`/orders/${o.id}`, { "x-user-id": o.userId });
		},
		opts.onTick,
	);
	await new Promise(resolve => server.close(resolve));
	await pool.end();
	return { requestsPerSecond: rate(result.ok, result.durationMs), errors: result.errors };
}
