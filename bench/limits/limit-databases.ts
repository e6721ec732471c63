/**
 * A pair of throw-away databases with the services' schema (their own migrations) for the
 * database limits: what the limits write never mixes with the benchmark's orders and payments,
 * which the audit at the end of a run checks.
 */
import pg from "pg";
import { OrderSchema } from "../../domain/orders/order.entity.js";
import { AccountSchema } from "../../domain/payments/account.entity.js";
import { LedgerEntrySchema } from "../../domain/payments/ledger-entry.entity.js";
import { PaymentSchema } from "../../domain/payments/payment.entity.js";
import { openDatabase } from "../../infra/db/open-database.js";
import { ordersMigrations } from "../../migrations/orders/index.js";
import { paymentsMigrations } from "../../migrations/payments/index.js";

export interface LimitDatabases {
	ordersUrl: string;
	paymentsUrl: string;
	drop(): Promise<void>;
}

export async function createLimitDatabases(admin: pg.Client, urlOf: (name: string) => string, suffix: string): Promise<LimitDatabases> {
	const names = { orders: `gozon_bench_limit_orders_${suffix}`, payments: `gozon_bench_limit_payments_${suffix}` };
	for (const name of Object.values(names)) {
		await admin.query(`drop database if exists ${name} with (force)`);
		await admin.query(`create database ${name}`);
	}
	const schemas = [
		{ service: "orders", url: urlOf(names.orders), entities: [OrderSchema], migrations: ordersMigrations },
		{ service: "payments", url: urlOf(names.payments), entities: [AccountSchema, LedgerEntrySchema, PaymentSchema], migrations: paymentsMigrations },
	];
	for (const schema of schemas) await (await openDatabase({ ...schema, dataDir: "unused" })).close();
	return {
		ordersUrl: urlOf(names.orders),
		paymentsUrl: urlOf(names.payments),
		drop: async () => {
			// A pg pool's end() resolves before its sockets have closed; a forced drop would hit them
			// mid-goodbye, and their clients throw. Give them a moment to leave first.
			for (let waited = 0; waited < 5000; waited += 100) {
				const { rows } = await admin.query(`select count(*)::int as n from pg_stat_activity where datname = any($1)`, [Object.values(names)]);
				if (rows[0].n === 0) break;
				await new Promise(resolve => setTimeout(resolve, 100));
			}
			for (const name of Object.values(names)) await admin.query(`drop database if exists ${name} with (force)`);
		},
	};
}
