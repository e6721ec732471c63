/** The audit's Query over a pg pool: `?` placeholders, as the services' SQL writes them, to `$n`. */
import type pg from "pg";
import type { Query } from "./run-audit.js";

export function queryOf(db: pg.Pool): Query {
	return async (sql, params = []) => {
		let n = 0;
		return (await db.query(sql.replace(/\?/g, () => `$${++n}`), params)).rows;
	};
}
