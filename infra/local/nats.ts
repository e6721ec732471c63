/**
 * NATS for the Moleculer transporter: the one already on 127.0.0.1:4222, or a nats-server
 * started in the background when the binary is installed.
 */
import { rmSync } from "node:fs";
import { createConnection } from "node:net";
import { join } from "node:path";
import {
	DATA_ROOT,
	cmdlineOf,
	findExecutable,
	isAlive,
	readPid,
	seconds,
	spawnDaemon,
	stderrLog,
	tail,
	terminate,
	withLock,
	type Log,
} from "./daemon.js";
import { LOCALHOST, sleep, waitForPort } from "./ports.js";

export const NATS_PORT = 4222;
export const NATS_URL = `nats://${LOCALHOST}:${NATS_PORT}`;

const HOME = join(DATA_ROOT, "nats");
const LOG_FILE = join(HOME, "nats.log");
const PID_FILE = join(HOME, "nats.pid");
const LOCK_FILE = join(HOME, "start.lock");

export interface NatsOptions {
	log?: Log;
}

export interface NatsInfo {
	transporter: string;
	/** True only when this call launched nats-server. */
	startedByUs: boolean;
}

/** True when 127.0.0.1:4222 greets like a NATS server (its first line is `INFO {...}`). */
export function isNatsUp(timeoutMs = 1000): Promise<boolean> {
	return new Promise((resolve) => {
		const socket = createConnection({ port: NATS_PORT, host: LOCALHOST });
		const done = (up: boolean): void => {
			socket.removeAllListeners();
			socket.destroy();
			resolve(up);
		};
		socket.setTimeout(timeoutMs, () => done(false));
		socket.once("data", (chunk) => done(chunk.toString("latin1").startsWith("INFO ")));
		socket.once("error", () => done(false));
	});
}

export async function ensureNats(opts: NatsOptions = {}): Promise<NatsInfo> {
	const log = opts.log ?? stderrLog;
	if (await isNatsUp()) return { transporter: NATS_URL, startedByUs: false };
	return withLock(LOCK_FILE, 60_000, async () => {
		if (await isNatsUp()) return { transporter: NATS_URL, startedByUs: false };
		const binary = findExecutable("nats-server", ["/usr/sbin/nats-server", "/usr/bin/nats-server"]);
		if (!binary) {
			throw new Error(
				`nats: nothing answers on ${LOCALHOST}:${NATS_PORT} and nats-server is not installed ` +
					"(Debian: apt-get install nats-server), or set TRANSPORTER to a running NATS",
			);
		}
		const started = Date.now();
		const child = spawnDaemon({
			command: binary,
			args: ["-a", LOCALHOST, "-p", String(NATS_PORT)],
			cwd: DATA_ROOT,
			logFile: LOG_FILE,
			pidFile: PID_FILE,
		});
		const pid = child.pid as number;
		try {
			await waitForPort(NATS_PORT, { timeoutMs: 10_000 });
			while (!(await isNatsUp())) {
				if (!isAlive(pid)) throw new Error("nats-server exited");
				await sleep(100);
			}
		} catch (err) {
			if (isAlive(pid)) await terminate(pid, 5000);
			rmSync(PID_FILE, { force: true });
			throw new Error(`nats: could not start nats-server: ${(err as Error).message}\n${tail(LOG_FILE, 20)}`);
		}
		log(`nats: started nats-server on ${LOCALHOST}:${NATS_PORT} in ${seconds(started)}`);
		return { transporter: NATS_URL, startedByUs: true };
	});
}

/** Stops the nats-server this project started; a system-wide one is left alone. */
export async function stopNats(opts: NatsOptions = {}): Promise<boolean> {
	const log = opts.log ?? stderrLog;
	const pid = readPid(PID_FILE);
	rmSync(PID_FILE, { force: true });
	if (pid === undefined || !isAlive(pid) || !cmdlineOf(pid).includes("nats-server")) return false;
	await terminate(pid, 10_000);
	log(`nats: stopped nats-server (pid ${pid})`);
	return true;
}
