/** Tells "the database is unreachable" apart from every other database error. */
import { ConnectionException } from "@mikro-orm/core";

const CONNECTION_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "ENOTFOUND", "57P01", "57P02", "57P03", "08000", "08003", "08006", "08001", "08004"]);

export function isConnectionError(err: unknown): boolean {
	for (let e = err as { code?: unknown; cause?: unknown; message?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
		if (e instanceof ConnectionException) return true;
		if (typeof e.code === "string" && CONNECTION_CODES.has(e.code)) return true;
		if (typeof e.message === "string" && /Connection terminated|connect ECONNREFUSED|timeout exceeded when trying to connect|the database system is (starting up|shutting down)|connection error and is not queryable|terminating connection due to administrator command/i.test(e.message)) return true;
	}
	return false;
}

/**
 * The server refused the statement and said why (a SQLSTATE outside the connection and
 * operator-intervention classes): a statement run on its own then committed nothing. Anything
 * else (a lost connection, a client-side timeout) leaves its outcome unknown: it may have committed.
 */
export function refusedByServer(err: unknown): boolean {
	const state = (err as { sqlState?: unknown; code?: unknown } | null)?.sqlState ?? (err as { code?: unknown } | null)?.code;
	return typeof state === "string" && /^[0-9A-Z]{5}$/.test(state) && !state.startsWith("08") && !state.startsWith("57P") && !isConnectionError(err);
}
