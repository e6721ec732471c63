/**
 * Connections that break in the middle of a transaction (the database restarted, a backend was
 * killed) must not keep their pool slots: otherwise a service whose transactions were in flight
 * at a restart ends with a pool full of dead connections and stays down after the database is
 * back (infra/db/release-broken-connections.ts). Here the pool has two slots and both
 * transactions' backends are terminated mid-transaction; the next transaction must still run.
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import pg from "pg";
import { OrderSchema } from "../../domain/orders/order.entity.js";
import { openDatabase, type Database } from "../../infra/db/open-database.js";
import { ordersMigrations } from "../../migrations/orders/index.js";
import type { SqlEntityManager } from "../../mixins/orm.mixin.js";

let db: Database;
let admin: pg.Client;
beforeAll(async () => {
	db = await openDatabase({ service: "orders", url: process.env.ORDERS_DB_URL, dataDir: "unused", entities: [OrderSchema], migrations: ordersMigrations, poolSize: 2 });
	admin = new pg.Client({ connectionString: process.env.ORDERS_DB_URL });
	await admin.connect();
});
afterAll(async () => {
	await admin?.end();
	await db?.close();
});

describe("a connection that breaks mid-transaction", () => {
	it("gives its pool slot back, so the pool still serves once every connection has broken", async () => {
		const pids: number[] = [];
		let terminate: () => void = () => undefined;
		const terminated = new Promise<void>(resolve => (terminate = resolve));
		const inFlight = Array.from({ length: 2 }, () =>
			db.em.fork().transactional(async em => {
				const [{ pid }] = await (em as SqlEntityManager).execute<{ pid: number }[]>("select pg_backend_pid() as pid");
				pids.push(pid);
				await terminated;
				// The backend is gone: this fails, and so do the ROLLBACK and the release after it.
				await (em as SqlEntityManager).execute("select 1");
			}),
		);
		while (pids.length < 2) await new Promise(resolve => setTimeout(resolve, 10));
		await admin.query("select pg_terminate_backend(pid) from unnest($1::int[]) as pid", [pids]);
		// Let the clients see their sockets close before the transactions go on.
		await new Promise(resolve => setTimeout(resolve, 200));
		terminate();
		for (const tx of inFlight) await expect(tx).rejects.toThrow();

		// Both slots must be free again: two transactions at once, well inside the pool's 5 s wait.
		const started = Date.now();
		const results = await Promise.all(
			Array.from({ length: 2 }, () => db.em.fork().transactional(em => (em as SqlEntityManager).execute<{ one: number }[]>("select 1 as one"))),
		);
		expect(results.map(rows => rows[0].one)).toEqual([1, 1]);
		expect(Date.now() - started).toBeLessThan(4000);
	}, 30_000);
});
