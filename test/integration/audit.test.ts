/**
 * `npm run audit` against databases of its own: silent on consistent books, and each kind of
 * broken guarantee, planted by hand, is reported and fails the run.
 */
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import pg from "pg";
import { OrderSchema } from "../../domain/orders/order.entity.js";
import { AccountSchema } from "../../domain/payments/account.entity.js";
import { openDatabase } from "../../infra/db/open-database.js";
import { queryOf } from "../../infra/audit/pg-query.js";
import { runAudit } from "../../infra/audit/run-audit.js";
import { ordersMigrations } from "../../migrations/orders/index.js";
import { paymentsMigrations } from "../../migrations/payments/index.js";

const run = promisify(execFile);
const suffix = randomUUID().slice(0, 8);
const names = { orders: `gozon_audit_orders_${suffix}`, payments: `gozon_audit_payments_${suffix}` };
const urlOf = (db: string) => process.env.ORDERS_DB_URL!.replace(/\/[^/?]+(\?|$)/, `/${db}$1`);
let admin: pg.Client;
let orders: pg.Pool;
let payments: pg.Pool;

beforeAll(async () => {
	admin = new pg.Client({ connectionString: process.env.ORDERS_DB_URL });
	await admin.connect();
	for (const db of Object.values(names)) await admin.query(`create database ${db}`);
	// The services' own migrations give the audit the real schema.
	for (const [db, migrations, entity] of [
		[names.orders, ordersMigrations, OrderSchema],
		[names.payments, paymentsMigrations, AccountSchema],
	] as const) {
		const orm = await openDatabase({ service: db, url: urlOf(db), dataDir: "unused", entities: [entity], migrations: [...migrations] });
		await orm.close();
	}
	orders = new pg.Pool({ connectionString: urlOf(names.orders) });
	payments = new pg.Pool({ connectionString: urlOf(names.payments) });
});
afterAll(async () => {
	await Promise.all([orders?.end(), payments?.end()]);
	for (const db of Object.values(names)) await admin?.query(`drop database if exists ${db}`);
	await admin?.end();
});

async function account(userId: string, credits: number[], debits: { orderId: string; amount: number }[]) {
	const balance = credits.reduce((a, b) => a + b, 0) - debits.reduce((a, d) => a + d.amount, 0);
	await payments.query(`insert into accounts (user_id, balance, created_at, updated_at) values ($1, $2, now(), now())`, [userId, balance]);
	for (const amount of credits) await payments.query(`insert into ledger_entries (id, user_id, type, amount, created_at) values ($1, $2, 'CREDIT', $3, now())`, [randomUUID(), userId, amount]);
	for (const d of debits) await payments.query(`insert into ledger_entries (id, user_id, type, amount, order_id, created_at) values ($1, $2, 'DEBIT', $3, $4, now())`, [randomUUID(), userId, d.amount, d.orderId]);
}

async function order(userId: string, amount: number, status: string, ageMs = 0) {
	const id = randomUUID();
	await orders.query(
		`insert into orders (id, user_id, amount, description, status, reason, created_at, updated_at)
		 values ($1, $2, $3, 'audit', $4, $5, now() - ($6 || ' milliseconds')::interval, now())`,
		[id, userId, amount, status, status === "CANCELED" ? "INSUFFICIENT_FUNDS" : null, String(ageMs)],
	);
	return id;
}

const audit = () => runAudit({ orders: queryOf(orders), payments: queryOf(payments), stuckAfterMs: 60_000 });

describe("audit", () => {
	it("passes consistent books, then names every planted violation and exits 1", async () => {
		const alice = randomUUID();
		const paid = await order(alice, 300, "FINISHED");
		await order(alice, 5000, "CANCELED");
		await order(alice, 10, "NEW");
		await account(alice, [1000], [{ orderId: paid, amount: 300 }]);
		const clean = await audit();
		expect(clean.violations).toEqual([]);
		expect(clean.figures.orders).toEqual({ NEW: 1, FINISHED: 1, CANCELED: 1 });

		const bob = randomUUID();
		const unpaid = await order(bob, 100, "FINISHED");
		const doublePaid = await order(bob, 50, "FINISHED");
		const refunded = await order(bob, 70, "CANCELED");
		const stuck = await order(bob, 20, "NEW", 5 * 60_000);
		const ghost = randomUUID();
		await account(bob, [1000], [
			{ orderId: doublePaid, amount: 50 },
			{ orderId: refunded, amount: 70 },
			{ orderId: ghost, amount: 5 },
		]);
		// A second debit for one order needs the unique index out of the way: it is the last guard.
		await payments.query(`drop index ledger_entries_one_debit_per_order`);
		await payments.query(`insert into ledger_entries (id, user_id, type, amount, order_id, created_at) values ($1, $2, 'DEBIT', 50, $3, now())`, [randomUUID(), bob, doublePaid]);
		// And a balance that disagrees with its ledger.
		await payments.query(`update accounts set balance = balance + 1 where user_id = $1`, [alice]);

		const report = await audit();
		const found = report.violations.map(v => `${v.check} ${v.subject}`);
		expect(found).toEqual(
			expect.arrayContaining([
				`balance = credits − debits account ${alice}`,
				`balance = credits − debits account ${bob}`,
				`FINISHED has one DEBIT order ${unpaid}`,
				`FINISHED has one DEBIT order ${doublePaid}`,
				`CANCELED has no DEBIT order ${refunded}`,
				`no order stuck NEW order ${stuck}`,
				`no DEBIT without an order order ${ghost}`,
			]),
		);
		expect(report.ok).toBe(false);

		const cli = await run(process.execPath, ["--import", "tsx", "scripts/audit.ts"], {
			env: { ...process.env, ORDERS_DB_URL: urlOf(names.orders), PAYMENTS_DB_URL: urlOf(names.payments), KAFKA_BROKERS: "" },
		}).then(
			() => ({ code: 0, stdout: "" }),
			(err: { code: number; stdout: string }) => err,
		);
		expect(cli.code).toBe(1);
		expect(cli.stdout).toContain("AUDIT FAILED");
		expect(cli.stdout).toContain(`no DEBIT without an order] order ${ghost}`);
	});
});
