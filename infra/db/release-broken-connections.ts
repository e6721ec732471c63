/**
 * A pooled connection that breaks while it is checked out (PostgreSQL restarted in the middle of a
 * transaction) must leave the pool.
 *
 * MikroORM 7 runs transactions through Kysely 0.29's controlled transactions, which give the
 * connection back to the pool only when BEGIN, COMMIT or ROLLBACK succeeds. On a broken connection
 * all three fail, so it is never given back, and pg-pool goes on counting it as busy: every
 * transaction in flight when the database restarts takes one of the pool's slots for good. A busy
 * service then ends with its whole pool held by dead connections, answering "timeout exceeded when
 * trying to connect" until the process restarts, though the database is long back.
 *
 * pg reports the break as an 'error' event on the client. For a checked-out client, pg-pool leaves
 * that to whoever holds it; here the holder never will, so this releases it with the error, which
 * pg-pool takes as "destroy it and free the slot". (An idle client's break pg-pool handles itself.)
 *
 * It waits a turn of the event loop first: a holder that does release on the error (`pool.query`,
 * which the prepared statements use, listens for it too; a holder whose query failed with it) has
 * then done so, and a second release would throw inside pg's socket handler, taking the process
 * down.
 */
import type { Pool, PoolClient } from "pg";

export function releaseBrokenConnections(pool: Pool): void {
	const checkedOut = new Set<PoolClient>();
	pool.on("acquire", client => checkedOut.add(client));
	pool.on("release", (_err: Error | undefined, client: PoolClient) => checkedOut.delete(client));
	pool.on("remove", client => checkedOut.delete(client as PoolClient));
	pool.on("connect", client => {
		client.on("error", err => {
			setImmediate(() => {
				if (checkedOut.delete(client)) client.release(err);
			});
		});
	});
}
