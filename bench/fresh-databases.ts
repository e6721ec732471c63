/**
 * Databases of the benchmark's and the soak's own on the local PostgreSQL: created fresh, so no
 * figure depends on what an earlier run left behind, and dropped afterwards.
 */
import type pg from "pg";

/** `baseUrl` with its database name replaced by `name`. */
export function databaseUrl(baseUrl: string, name: string): string {
	return baseUrl.replace(/\/[^/?]+(\?|$)/, `/${name}$1`);
}

export async function createFreshDatabases(admin: pg.Client, names: string[]): Promise<void> {
	for (const name of names) {
		await admin.query(`drop database if exists ${name} with (force)`);
		await admin.query(`create database ${name}`);
	}
}

export async function dropDatabases(admin: pg.Client, names: string[]): Promise<void> {
	// A pg pool's end() resolves before its sockets have closed; a forced drop would hit them
	// mid-goodbye, and their clients throw. Give them a moment to leave first.
	for (let waited = 0; waited < 5000; waited += 100) {
		const { rows } = await admin.query(`select count(*)::int as n from pg_stat_activity where datname = any($1)`, [names]);
		if (rows[0].n === 0) break;
		await new Promise(resolve => setTimeout(resolve, 100));
	}
	for (const name of names) await admin.query(`drop database if exists ${name} with (force)`);
}
