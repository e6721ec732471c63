/**
 * Runs one of the hot path's statements as a prepared statement: parsed once per connection,
 * then bound, planned for its values (plan-each-execution.ts) and executed. `em.execute` writes
 * the values into the SQL text, so PostgreSQL parses, analyses and plans every statement anew;
 * for the services' statements of data-modifying CTEs that was 38% of the database's CPU at 600
 * orders/s (README.md, "Round seven").
 *
 * The statement's text must not change with its input: a batch goes in as one array per column
 * (`unnest(?::uuid[], ?::text[])`, `= any(?::uuid[])`, each array written by `pgArray`), never
 * as a list of placeholders. Its `?` placeholders (and no other `?`: none of its operators may be
 * one) become $1, $2, … and the text's hash names it, so each shape of statement is prepared
 * once on each connection.
 *
 * Inside a transaction, and in embedded mode (PGlite: one process, no pool), it goes through
 * `em.execute` as before, with the same text and values. Errors are MikroORM's either way, and
 * the statement is logged as `em.execute` logs it.
 */
import { createHash } from "node:crypto";
import type { EntityManager } from "@mikro-orm/core";
import { PostgreSqlConnection } from "@mikro-orm/postgresql";
import type { SqlEntityManager } from "../../mixins/orm.mixin.js";

interface Numbered {
	text: string;
	name: string;
}

/** The numbered text and name of each statement seen, by its `?` text (a handful of shapes). */
const numbered = new Map<string, Numbered>();

function numberedOf(sql: string): Numbered {
	let entry = numbered.get(sql);
	if (!entry) {
		let n = 0;
		const text = sql.replace(/\?/g, () => `$${++n}`);
		entry = { text, name: `gozon_${createHash("sha1").update(text).digest("hex").slice(0, 24)}` };
		// Texts never vary with the input; the bound keeps a caller that breaks that rule from growing it forever.
		if (numbered.size < 1000) numbered.set(sql, entry);
	}
	return entry;
}

/** MikroORM's `executeQuery` (protected): it logs the statement as `em.execute` does. */
interface LoggingConnection {
	executeQuery<T>(query: string, cb: () => Promise<T>): Promise<T>;
}

export async function runStatement<T = Record<string, unknown>>(em: EntityManager, sql: string, params: unknown[]): Promise<T[]> {
	const connection = em.getConnection();
	if (em.isInTransaction() || !(connection instanceof PostgreSqlConnection)) return (em as SqlEntityManager).execute<T[]>(sql, params);
	const { text, name } = numberedOf(sql);
	try {
		const pool = await connection.getNativeClient();
		return await (connection as unknown as LoggingConnection).executeQuery(text, async () => (await pool.query({ name, text, values: params })).rows as T[]);
	} catch (err) {
		throw em.getDriver().convertException(err as Error);
	}
}

/**
 * A PostgreSQL array literal of `values`, for a `?::type[]` parameter: every element quoted (a
 * null as NULL), so text of any content, JSON included, comes through as it is.
 */
export function pgArray(values: readonly (string | number | boolean | Date | null | undefined)[]): string {
	const elements = values.map(value => {
		if (value === null || value === undefined) return "NULL";
		const text = value instanceof Date ? value.toISOString() : String(value);
		return `"${text.replace(/[\\"]/g, char => `\\${char}`)}"`;
	});
	return `{${elements.join(",")}}`;
}
