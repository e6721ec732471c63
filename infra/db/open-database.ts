/**
 * Opens one service's database and brings its schema up to date through its migrations.
 * With a PostgreSQL URL it uses the pg driver; without one, embedded PostgreSQL (PGlite) in a
 * folder of its own, so the same entities and SQL run in both modes.
 */
import { mkdirSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { MikroORM, type Constructor, type EntitySchema } from "@mikro-orm/core";
import pg from "pg";
import { Migrator, type Migration } from "@mikro-orm/migrations";
import { PostgreSqlDriver } from "@mikro-orm/postgresql";
import { PgliteDriver } from "@mikro-orm/pglite";
import { PLAN_EACH_EXECUTION } from "./plan-each-execution.js";
import { releaseBrokenConnections } from "./release-broken-connections.js";

export type Database = MikroORM<PostgreSqlDriver>;
export type DatabaseKind = "postgresql" | "pglite";

export interface OpenDatabaseOptions {
	/** The owning service, used for the embedded folder name and logs. */
	service: string;
	url: string | undefined;
	dataDir: string;
	entities: EntitySchema<any, any>[];
	migrations: Constructor<Migration>[];
	poolSize?: number;
}

export function databaseKind(url: string | undefined): DatabaseKind {
	return url ? "postgresql" : "pglite";
}

/** Where the embedded database of a service lives (or "memory://" for throw-away runs). */
export function embeddedLocation(dataDir: string, service: string): string {
	if (dataDir.startsWith("memory:")) return "memory://";
	const location = path.join(dataDir, service);
	mkdirSync(location, { recursive: true });
	lockEmbedded(location);
	return location;
}

/**
 * An embedded database is a folder that exactly one process may open: two PostgreSQL engines
 * writing the same files destroy them. A lock file holding the owner's pid guards it; a lock
 * left by a dead process is taken over.
 */
function lockEmbedded(location: string): void {
	const lockFile = `${location}.lock`;
	for (let attempt = 0; attempt < 2; attempt++) {
		try {
			writeFileSync(lockFile, String(process.pid), { flag: "wx" });
			const release = () => {
				try {
					if (readFileSync(lockFile, "utf8") === String(process.pid)) unlinkSync(lockFile);
				} catch {
					// already gone
				}
			};
			process.once("exit", release);
			return;
		} catch (err) {
			if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
			const owner = Number(readFileSync(lockFile, "utf8"));
			if (owner === process.pid) return;
			if (Number.isInteger(owner) && owner > 0 && isAlive(owner)) {
				throw new Error(`the embedded database ${location} is in use by process ${owner}; set a database URL or another DATA_DIR`);
			}
			unlinkSync(lockFile);
		}
	}
}

function isAlive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch (err) {
		return (err as NodeJS.ErrnoException).code === "EPERM";
	}
}

export async function openDatabase(opts: OpenDatabaseOptions): Promise<Database> {
	const common = {
		entities: opts.entities,
		extensions: [Migrator],
		migrations: {
			migrationsList: opts.migrations,
			snapshot: false,
			silent: true,
			transactional: true,
			allOrNothing: true,
		},
		// Every call forks its own EntityManager; the global one must never hold state.
		allowGlobalContext: false,
		debug: process.env.DB_DEBUG === "1",
	};
	const orm = opts.url
		? await MikroORM.init({
				...common,
				driver: PostgreSqlDriver,
				clientUrl: opts.url,
				pool: { min: 0, max: opts.poolSize ?? 10, idleTimeoutMillis: 30_000 },
				// Bounded waits: after a database restart a call fails (and is retried, or answered
				// 503) instead of waiting forever for a connection or on a half-dead socket; and a
				// connection that broke mid-transaction frees its slot (release-broken-connections.ts).
				// Prepared statements get a plan for their values each time (plan-each-execution.ts).
				driverOptions: { connectionTimeoutMillis: 5000, query_timeout: 30_000, ...PLAN_EACH_EXECUTION, onPoolCreated: releaseBrokenConnections },
			})
		: ((await MikroORM.init({
				...common,
				driver: PgliteDriver,
				dbName: embeddedLocation(opts.dataDir, opts.service),
			})) as unknown as Database);
	await migrateExclusively(orm, opts.url);
	return orm;
}

/**
 * Applies pending migrations while holding a PostgreSQL advisory lock, so instances of one
 * service starting together on a fresh database migrate it once, one after another, instead
 * of racing to create the same tables. (An embedded database has one process by construction.)
 */
async function migrateExclusively(orm: Database, url: string | undefined): Promise<void> {
	if (!url) {
		await orm.migrator.up();
		return;
	}
	const lock = new pg.Client({ connectionString: url });
	await lock.connect();
	try {
		await lock.query("select pg_advisory_lock(hashtext('gozon:migrations'))");
		await orm.migrator.up();
	} finally {
		await lock.query("select pg_advisory_unlock(hashtext('gozon:migrations'))").catch(() => undefined);
		await lock.end();
	}
}
