/**
 * Opens one service's database and brings its schema up to date through its migrations.
 * With a PostgreSQL URL it uses the pg driver; without one, embedded PostgreSQL (PGlite) in a
 * folder of its own, so the same entities and SQL run in both modes.
 */
import { mkdirSync } from "node:fs";
import path from "node:path";
import { MikroORM, type Constructor, type EntitySchema } from "@mikro-orm/core";
import { Migrator, type Migration } from "@mikro-orm/migrations";
import { PostgreSqlDriver } from "@mikro-orm/postgresql";
import { PgliteDriver } from "@mikro-orm/pglite";

export type Database = MikroORM<PostgreSqlDriver> ;
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
	return location;
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
				pool: { min: 0, max: opts.poolSize ?? 10 },
			})
		: ((await MikroORM.init({
				...common,
				driver: PgliteDriver,
				dbName: embeddedLocation(opts.dataDir, opts.service),
			})) as unknown as Database);
	await orm.migrator.up();
	return orm;
}
