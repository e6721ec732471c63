/**
 * PostgreSQL LISTEN for the outbox relay: whoever adds outbox rows from outside a service (an
 * operator's repair, a bulk import, the benchmark) sends NOTIFY on the channel, and every relay
 * of that database wakes at once instead of waiting for its next poll. A lost notification costs
 * only latency: the relay still polls slowly.
 */
import pg from "pg";
import type { Database } from "./open-database.js";

export type Unlisten = () => Promise<void>;

interface Logger {
	warn(...args: unknown[]): void;
}

export async function listen(db: Database, channel: string, onNotify: () => void, logger: Logger): Promise<Unlisten> {
	const url = db.config.get("clientUrl");
	if (!url) return listenEmbedded(db, channel, onNotify);
	return listenPostgres(url, channel, onNotify, logger);
}

async function listenEmbedded(db: Database, channel: string, onNotify: () => void): Promise<Unlisten> {
	const connection = db.em.getConnection() as unknown as {
		getNativeClient(): Promise<{ listen(channel: string, cb: () => void): Promise<() => Promise<void>> }>;
	};
	const client = await connection.getNativeClient();
	return client.listen(channel, onNotify);
}

/** A dedicated connection that reconnects by itself; the pool's connections stay free for work. */
async function listenPostgres(url: string, channel: string, onNotify: () => void, logger: Logger): Promise<Unlisten> {
	let client: pg.Client | undefined;
	let closed = false;
	let retryTimer: NodeJS.Timeout | undefined;

	const connect = async (): Promise<void> => {
		const next = new pg.Client({ connectionString: url });
		next.on("notification", () => onNotify());
		next.on("error", err => {
			logger.warn(`LISTEN ${channel} connection lost: ${err.message}`);
			if (client === next) client = undefined;
			void endQuietly(next);
			scheduleReconnect();
		});
		try {
			await next.connect();
			await next.query(`LISTEN ${channel}`);
			client = next;
			// Anything committed while we were away is picked up now.
			onNotify();
		} catch (err) {
			void endQuietly(next);
			throw err;
		}
	};
	const scheduleReconnect = (): void => {
		if (closed || retryTimer) return;
		retryTimer = setTimeout(() => {
			retryTimer = undefined;
			connect().catch(err => {
				logger.warn(`LISTEN ${channel} reconnect failed: ${(err as Error).message}`);
				scheduleReconnect();
			});
		}, 1000);
	};

	await connect().catch(err => {
		logger.warn(`LISTEN ${channel} unavailable, polling only until it returns: ${(err as Error).message}`);
		scheduleReconnect();
	});
	return async () => {
		closed = true;
		if (retryTimer) clearTimeout(retryTimer);
		if (client) await endQuietly(client);
	};
}

/** end() on a connection that already broke may never settle; never wait on it for long. */
function endQuietly(client: pg.Client): Promise<void> {
	return Promise.race([client.end().catch(() => undefined), new Promise<void>(resolve => setTimeout(resolve, 1000).unref())]);
}
