/**
 * A pair of throw-away databases with the services' schema (their own migrations) for the
 * database limits: what the limits write never mixes with the benchmark's orders and payments,
 * which the audit at the end of a run checks.
 */
import type pg from "pg";
import { OrderSchema } from "../../domain/orders/order.entity.js";
import { AccountSchema } from "../../domain/payments/account.entity.js";
import { LedgerEntrySchema } from "../../domain/payments/ledger-entry.entity.js";
import { PaymentSchema } from "../../domain/payments/payment.entity.js";
import { openDatabase } from "../../infra/db/open-database.js";
import { ordersMigrations } from "../../migrations/orders/index.js";
import { paymentsMigrations } from "../../migrations/payments/index.js";
import { createFreshDatabases, databaseUrl, dropDatabases } from "../fresh-databases.js";

/** Runs `work` against the pair, which is dropped afterwards whatever happens. */
export async function withLimitDatabases<T>(admin: pg.Client, baseUrl: string, suffix: string, work: (urls: { ordersUrl: string; paymentsUrl: string }) => Promise<T>): Promise<T> {
	const names = [`gozon_bench_limit_orders_${suffix}`, `gozon_bench_limit_payments_${suffix}`];
	const [ordersUrl, paymentsUrl] = names.map(name => databaseUrl(baseUrl, name));
	await createFreshDatabases(admin, names);
	try {
		const schemas = [
			{ service: "orders", url: ordersUrl, entities: [OrderSchema], migrations: ordersMigrations },
			{ service: "payments", url: paymentsUrl, entities: [AccountSchema, LedgerEntrySchema, PaymentSchema], migrations: paymentsMigrations },
		];
		for (const schema of schemas) await (await openDatabase({ ...schema, dataDir: "unused" })).close();
		return await work({ ordersUrl, paymentsUrl });
	} finally {
		await dropDatabases(admin, names);
	}
}
