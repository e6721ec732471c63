/**
 * `npm run audit`: checks the guarantees across the orders and payments databases (see
 * infra/audit/run-audit.ts) and prints a report; exit status 1 on any violation.
 * Reads ORDERS_DB_URL, PAYMENTS_DB_URL and, when set, KAFKA_BROKERS (for the DLQ counts).
 * AUDIT_STUCK_AFTER_MS (default 60000) bounds how long an order may stay NEW.
 */
import pg from "pg";
import { deadLetterCounts } from "../infra/audit/dead-letter-counts.js";
import { queryOf } from "../infra/audit/pg-query.js";
import { formatAudit, runAudit } from "../infra/audit/run-audit.js";

function pool(url: string | undefined, name: string): pg.Pool {
	if (!url) {
		console.error(`${name} is not set. Point it at the database to audit (see \`npm run infra\`).`);
		process.exit(2);
	}
	return new pg.Pool({ connectionString: url, max: 2 });
}

const orders = pool(process.env.ORDERS_DB_URL, "ORDERS_DB_URL");
const payments = pool(process.env.PAYMENTS_DB_URL, "PAYMENTS_DB_URL");
try {
	const brokers = (process.env.KAFKA_BROKERS ?? "").split(",").filter(Boolean);
	const report = await runAudit({
		orders: queryOf(orders),
		payments: queryOf(payments),
		stuckAfterMs: Number(process.env.AUDIT_STUCK_AFTER_MS ?? 60_000),
		deadLetters: brokers.length > 0 ? await deadLetterCounts(brokers).catch(() => undefined) : undefined,
	});
	console.log(process.argv.includes("--json") ? JSON.stringify(report, null, 2) : formatAudit(report));
	process.exitCode = report.ok ? 0 : 1;
} finally {
	await Promise.all([orders.end(), payments.end()]);
}
