import { createConnection, createServer } from "node:net";

export const LOCALHOST = "127.0.0.1";

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** True when something accepts a TCP connection on host:port within timeoutMs. */
export function isPortOpen(port: number, host = LOCALHOST, timeoutMs = 1000): Promise<boolean> {
	return new Promise((resolve) => {
		const socket = createConnection({ port, host });
		const done = (open: boolean): void => {
			socket.removeAllListeners();
			socket.destroy();
			resolve(open);
		};
		socket.setTimeout(timeoutMs, () => done(false));
		socket.once("connect", () => done(true));
		socket.once("error", () => done(false));
	});
}

export interface WaitForPortOptions {
	host?: string;
	timeoutMs?: number;
	intervalMs?: number;
	/** Wait for the port to close instead of to open (used after stopping a daemon). */
	closed?: boolean;
}

/** Polls until the port is open (or closed); rejects after timeoutMs. */
export async function waitForPort(port: number, opts: WaitForPortOptions = {}): Promise<void> {
	const { host = LOCALHOST, timeoutMs = 30_000, intervalMs = 100, closed = false } = opts;
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		if ((await isPortOpen(port, host, Math.min(1000, timeoutMs))) !== closed) return;
		if (Date.now() >= deadline) {
			throw new Error(`${host}:${port} did not ${closed ? "close" : "open"} within ${timeoutMs} ms`);
		}
		await sleep(intervalMs);
	}
}

/** A TCP port nothing listens on right now, for a server started next. */
export function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const server = createServer();
		server.listen(0, LOCALHOST, () => {
			const { port } = server.address() as { port: number };
			server.close(() => resolve(port));
		});
		server.on("error", reject);
	});
}
