/** Runs the audit over the test run's two databases, as `npm run audit` would. */
import pg from "pg";
import { queryOf } from "../../infra/audit/pg-query.js";
import { runAudit } from "../../infra/audit/run-audit.js";

export async function auditShop(stuckAfterMs = 120_000) {
	const pools = [new pg.Pool({ connectionString: process.env.ORDERS_DB_URL }), new pg.Pool({ connectionString: process.env.PAYMENTS_DB_URL })];
	try {
		return await runAudit({ orders: queryOf(pools[0]), payments: queryOf(pools[1]), stuckAfterMs });
	} finally {
		await Promise.all(pools.map(p => p.end()));
	}
}
