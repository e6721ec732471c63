/**
 * PostgreSQL for the two services: the machine's cluster on 127.0.0.1:5432 (trust auth, user
 * postgres), started through Debian's pg_ctlcluster when it is down, or whatever
 * ORDERS_DB_URL / PAYMENTS_DB_URL already point at.
 */
import { execFile } from "node:child_process";
import { readdirSync } from "node:fs";
import { promisify } from "node:util";
import pg from "pg";
import { findExecutable, seconds, stderrLog, type Log } from "./daemon.js";
import { LOCALHOST, isPortOpen, waitForPort } from "./ports.js";

const run = promisify(execFile);

export const POSTGRES_PORT = 5432;
const CLUSTER = "main";
const LOCAL_URL = `postgres://postgres@${LOCALHOST}:${POSTGRES_PORT}`;
export const ORDERS_DB = "gozon_orders";
export const PAYMENTS_DB = "gozon_payments";

export interface PostgresUrls {
	ordersDbUrl: string;
	paymentsDbUrl: string;
}

export interface PostgresOptions {
	log?: Log;
}

/** Both databases exist and answer when this resolves; safe to call any number of times. */
export async function ensurePostgres(opts: PostgresOptions = {}): Promise<PostgresUrls> {
	const log = opts.log ?? stderrLog;
	const fromEnv = { orders: process.env.ORDERS_DB_URL, payments: process.env.PAYMENTS_DB_URL };
	if (!fromEnv.orders || !fromEnv.payments) await ensureLocalServer(log);
	const urls: PostgresUrls = {
		ordersDbUrl: fromEnv.orders || `${LOCAL_URL}/${ORDERS_DB}`,
		paymentsDbUrl: fromEnv.payments || `${LOCAL_URL}/${PAYMENTS_DB}`,
	};
	await ensureDatabase(urls.ordersDbUrl, log);
	await ensureDatabase(urls.paymentsDbUrl, log);
	return urls;
}

/** Starts the system cluster (for fault tests: the databases come back with their data). */
export async function startPostgres(opts: PostgresOptions = {}): Promise<void> {
	const log = opts.log ?? stderrLog;
	if (await isPortOpen(POSTGRES_PORT)) return;
	const started = Date.now();
	await pgCtlCluster("start");
	await waitForPort(POSTGRES_PORT, { timeoutMs: 30_000 });
	await waitUntilAccepting(`${LOCAL_URL}/postgres`, 30_000);
	log(`postgres: started in ${seconds(started)}`);
}

/** Stops the system cluster; pg_ctlcluster's default "fast" mode drops client connections at once. */
export async function stopPostgres(opts: PostgresOptions = {}): Promise<void> {
	const log = opts.log ?? stderrLog;
	if (!(await isPortOpen(POSTGRES_PORT))) return;
	const started = Date.now();
	await pgCtlCluster("stop");
	await waitForPort(POSTGRES_PORT, { closed: true, timeoutMs: 30_000 });
	log(`postgres: stopped in ${seconds(started)}`);
}

async function ensureLocalServer(log: Log): Promise<void> {
	if (await isPortOpen(POSTGRES_PORT)) {
		await waitUntilAccepting(`${LOCAL_URL}/postgres`, 30_000);
		return;
	}
	log(`postgres: nothing on ${LOCALHOST}:${POSTGRES_PORT}, starting the system cluster…`);
	await startPostgres({ log });
}

/** Debian's wrapper; --skip-systemctl-redirect because there may be no systemd (containers, CI). */
async function pgCtlCluster(action: "start" | "stop"): Promise<void> {
	const tool = findExecutable("pg_ctlcluster", ["/usr/bin/pg_ctlcluster"]);
	const version = clusterVersion();
	if (!tool || !version) {
		throw new Error(
			"postgres: no PostgreSQL on 127.0.0.1:5432 and no Debian cluster to start; install " +
				"postgresql or set ORDERS_DB_URL and PAYMENTS_DB_URL",
		);
	}
	try {
		await run(tool, ["--skip-systemctl-redirect", version, CLUSTER, action]);
	} catch (err) {
		const out = err as { stdout?: string; stderr?: string; message: string };
		const detail = `${out.stdout ?? ""}${out.stderr ?? ""}`.trim() || out.message;
		throw new Error(`postgres: pg_ctlcluster ${version} ${CLUSTER} ${action} failed: ${detail}`);
	}
}

/** The newest installed major version, from /etc/postgresql/<version>/main. */
function clusterVersion(): string | undefined {
	try {
		return readdirSync("/etc/postgresql")
			.filter((name) => /^\d+(\.\d+)?$/.test(name))
			.sort((a, b) => Number(b) - Number(a))[0];
	} catch {
		return undefined;
	}
}

/** A server that just opened its port may still answer "the database system is starting up". */
async function waitUntilAccepting(url: string, timeoutMs: number): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
		try {
			await client.connect();
			await client.query("select 1");
			return;
		} catch (err) {
			// Only "not up yet" is worth waiting for; a refused password, say, is final.
			const code = (err as { code?: string }).code ?? "";
			const transient = ["57P03", "ECONNREFUSED", "ECONNRESET"].includes(code);
			if (!transient || Date.now() >= deadline) throw withUrl(err, url);
			await new Promise((resolve) => setTimeout(resolve, 200));
		} finally {
			await client.end().catch(() => undefined);
		}
	}
}

/** Creates the database named in the URL when it is missing, through the server's `postgres` database. */
async function ensureDatabase(url: string, log: Log): Promise<void> {
	const target = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
	try {
		await target.connect();
		return; // it exists
	} catch (err) {
		if ((err as { code?: string }).code !== "3D000") throw withUrl(err, url); // 3D000: invalid_catalog_name
	} finally {
		await target.end().catch(() => undefined);
	}

	const parsed = new URL(url);
	const name = decodeURIComponent(parsed.pathname.slice(1));
	parsed.pathname = "/postgres";
	const admin = new pg.Client({ connectionString: parsed.toString(), connectionTimeoutMillis: 5000 });
	try {
		await admin.connect();
		await admin.query(`CREATE DATABASE "${name.replaceAll('"', '""')}"`);
		log(`postgres: created database ${name}`);
	} catch (err) {
		// Another process created it first: 42P04 duplicate_database, or 23505 on pg_database's index.
		const code = (err as { code?: string }).code;
		if (code !== "42P04" && code !== "23505") throw withUrl(err, url);
	} finally {
		await admin.end().catch(() => undefined);
	}
}

function withUrl(err: unknown, url: string): Error {
	const safe = url.replace(/\/\/([^:@/]+):[^@/]*@/, "//$1:***@");
	return new Error(`postgres: ${safe}: ${(err as Error).message}`, { cause: err });
}
