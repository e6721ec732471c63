/**
 * MikroORM access for a service that owns a database: opens it (applying migrations) when the
 * service starts, and gives every call its own EntityManager fork so no request ever sees
 * another's identity map.
 */
import type { EntityManager } from "@mikro-orm/core";
import type { ServiceSchema } from "moleculer";
import { config } from "../infra/config.js";
import { isConnectionError } from "../infra/db/connection-errors.js";
import { unavailable } from "../infra/errors.js";
import { databaseKind, openDatabase, type Database, type OpenDatabaseOptions } from "../infra/db/open-database.js";

export type SqlEntityManager = EntityManager & {
	execute<T = Record<string, unknown>[]>(sql: string, params?: unknown[], method?: "all" | "get" | "run"): Promise<T>;
};

/** One SQL statement with its `?` parameters, to run alone or to join another as a data-modifying CTE. */
export interface SqlWrite {
	sql: string;
	params: unknown[];
}

export interface OrmMethods {
	db: Database;
	/** Opens (once) and migrates the database; resolves when it is ready. */
	openDatabase(): Promise<Database>;
	/** A fresh EntityManager for one unit of work. */
	beforeDatabaseCloses(stop: () => Promise<void>): void;
	fork(): SqlEntityManager;
	/** Runs `work` in one database transaction on a fresh fork; commits when it resolves. */
	transactional<T>(work: (em: SqlEntityManager) => Promise<T>): Promise<T>;
	pingDatabase(): Promise<void>;
}

export function ormMixin(opts: Omit<OpenDatabaseOptions, "dataDir">): Partial<ServiceSchema> {
	return {
		async started() {
			await this.openDatabase();
		},
		hooks: {
			error: {
				// A caller learns the database is down (503, try again), not an internal error.
				"*"(_ctx: unknown, err: Error) {
					if (isConnectionError(err)) throw unavailable("DATABASE_UNAVAILABLE", `The ${opts.service} database is unavailable; try again.`);
					throw err;
				},
			},
		},
		async stopped() {
			// Whatever still uses the database stops first, whichever order Moleculer picks.
			for (const stop of (this.databaseUsers ?? []).reverse()) await stop();
			if (!this.db) return;
			// A connection that died inside a transaction (a database restart) can stay checked out
			// of the pool for good, and closing the pool waits for it; shutdown waits 5 s, not forever.
			const closed = await Promise.race([
				this.db.close().then(() => true),
				new Promise<false>(resolve => setTimeout(() => resolve(false), 5000).unref()),
			]);
			if (closed) this.logger.info("database: closed");
			else this.logger.warn("database: connections still held after 5 s; closing without them");
		},
		methods: {
			/**
			 * Opens the database once, whoever asks first: Moleculer runs the mixins' started()
			 * handlers in an order of its own, and the outbox and inbox need the database too.
			 */
			openDatabase(): Promise<Database> {
				this.databaseOpening ??= openDatabase({ ...opts, dataDir: config.dataDir }).then(db => {
					this.db = db;
					this.logger.info(
						databaseKind(opts.url) === "postgresql"
							? `database: PostgreSQL ${redact(opts.url!)}`
							: `database: embedded PostgreSQL (PGlite) in ${config.dataDir}/${opts.service}`,
					);
					return db;
				});
				return this.databaseOpening;
			},
			/** Registers work to stop before the database closes (relay, consumer). Idempotent stops only. */
			beforeDatabaseCloses(stop: () => Promise<void>): void {
				(this.databaseUsers ??= []).push(stop);
			},
			fork(): SqlEntityManager {
				return this.db.em.fork() as SqlEntityManager;
			},
			transactional<T>(work: (em: SqlEntityManager) => Promise<T>): Promise<T> {
				return this.db.em.fork().transactional((em: EntityManager) => work(em as SqlEntityManager));
			},
			async pingDatabase(): Promise<void> {
				await (this.db.em.fork() as SqlEntityManager).execute("select 1");
			},
		},
	};
}

function redact(url: string): string {
	return url.replace(/\/\/([^:@/]+):[^@/]*@/, "//$1:***@");
}
