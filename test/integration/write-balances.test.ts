/**
 * Guarantee 3 at its narrowest: a consumed batch writes all its accounts' balances in one
 * statement, each row guarded by the version it was read at. A top-up that commits between the
 * read and the write must make the whole write fail (and the batch rerun), never be overwritten,
 * and no other account of the batch may keep its new balance either; the rows written alongside
 * in the same statement (the batch's payments) stand or fall with it, with no transaction around
 * the statement.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { OptimisticLockError } from "@mikro-orm/core";
import { Account, AccountSchema } from "../../domain/payments/account.entity.js";
import { LedgerEntrySchema } from "../../domain/payments/ledger-entry.entity.js";
import { PaymentSchema } from "../../domain/payments/payment.entity.js";
import { writeBalances } from "../../mixins/optimistic-lock/write-balances.js";
import { openDatabase, type Database } from "../../infra/db/open-database.js";
import { paymentsMigrations } from "../../migrations/payments/index.js";
import type { SqlEntityManager } from "../../mixins/orm.mixin.js";
import { insertDebits, insertPayments, type DebitRow, type PaymentRow } from "../../services/payments/batch-statements.js";
import { recordStatements } from "../support/record-statements.js";

let db: Database;
beforeAll(async () => {
	db = await openDatabase({
		service: "payments",
		url: process.env.PAYMENTS_DB_URL,
		dataDir: "unused",
		entities: [AccountSchema, LedgerEntrySchema, PaymentSchema],
		migrations: paymentsMigrations,
	});
});
// These accounts have balances with no ledger behind them: the books other suites audit must not see them.
const opened: string[] = [];
afterAll(async () => {
	if (db && opened.length > 0) await (db.em.fork() as SqlEntityManager).execute(`delete from payments where user_id in (?)`, [opened]);
	if (db && opened.length > 0) await (db.em.fork() as SqlEntityManager).execute(`delete from ledger_entries where user_id in (?)`, [opened]);
	if (db && opened.length > 0) await db.em.fork().nativeDelete(Account, { userId: { $in: opened } });
	await db?.close();
});

async function openAccounts(balances: number[]): Promise<string[]> {
	const ids = balances.map(() => randomUUID());
	opened.push(...ids);
	await db.em.fork().transactional(async em => {
		ids.forEach((userId, i) => em.create(Account, { userId, balance: balances[i] }));
	});
	return ids;
}

/** A decision row for each account, to ride along in the balance write. */
const paymentsOf = (ids: string[]): PaymentRow[] => ids.map(userId => ({ orderId: randomUUID(), userId, amount: 50, outcome: "FAILED", reason: "INSUFFICIENT_FUNDS" }));

/** A ledger DEBIT for each account, to ride along too. */
const debitsOf = (ids: string[]): DebitRow[] => ids.map(userId => ({ id: randomUUID(), userId, amount: 50, orderId: randomUUID() }));

async function rowsWritten(payments: PaymentRow[], debits: DebitRow[]): Promise<{ payments: number; debits: number }> {
	const em = db.em.fork() as SqlEntityManager;
	const [{ count: paid }] = await em.execute<{ count: string }[]>(`select count(*) from payments where order_id in (?)`, [payments.map(r => r.orderId)]);
	const [{ count: debited }] = await em.execute<{ count: string }[]>(`select count(*) from ledger_entries where type = 'DEBIT' and id in (?)`, [debits.map(r => r.id)]);
	return { payments: Number(paid), debits: Number(debited) };
}

async function readAccounts(ids: string[]) {
	const accounts = await db.em.fork().find(Account, { userId: { $in: ids } });
	return ids.map(id => accounts.find(a => a.userId === id)!);
}

describe("writeBalances", () => {
	it("writes every account of a batch in one statement and moves each version on", async () => {
		const ids = await openAccounts([100, 200, 300]);
		const before = await readAccounts(ids);
		const payments = paymentsOf(ids);
		const debits = debitsOf(ids);
		const { statements, result } = await recordStatements(db.em as SqlEntityManager, em =>
			writeBalances(
				em,
				before.map(a => ({ userId: a.userId, version: a.version, balance: a.balance - 50 })),
				[...insertPayments(payments, new Date()), { name: "debited", sql: `${insertDebits(debits, new Date())[0].sql} returning id`, params: insertDebits(debits, new Date())[0].params }],
			),
		);
		expect(statements).toHaveLength(1);
		// A named write's RETURNING rows come back under its name.
		expect(result.debited.map(row => row.id).sort()).toEqual(debits.map(d => d.id).sort());
		expect(statements[0]).toMatch(/insert into payments[\s\S]*insert into ledger_entries[\s\S]*update accounts/);
		expect(await rowsWritten(payments, debits)).toEqual({ payments: 3, debits: 3 });
		const after = await readAccounts(ids);
		expect(after.map(a => a.balance)).toEqual([50, 150, 250]);
		after.forEach((a, i) => expect(a.version).toBe(before[i].version + 1));
	});

	it("refuses the whole write when one account moved on since it was read, keeping the top-up", async () => {
		const ids = await openAccounts([100, 200, 300]);
		const read = await readAccounts(ids);
		// A top-up of the second account commits after the batch read it.
		await db.em.fork().transactional(async em => {
			const account = await em.findOneOrFail(Account, { userId: ids[1] });
			account.balance += 1000;
		});
		const payments = paymentsOf(ids);
		const debits = debitsOf(ids);
		// No transaction around it: the statement alone must take everything back.
		const attempt = writeBalances(
			db.em.fork() as SqlEntityManager,
			read.map(a => ({ userId: a.userId, version: a.version, balance: a.balance - 50 })),
			[...insertPayments(payments, new Date()), ...insertDebits(debits, new Date())],
		);
		await expect(attempt).rejects.toBeInstanceOf(OptimisticLockError);
		// Nothing of the refused write stays: the untouched accounts keep theirs, the top-up stands,
		// and the payments and debits written in the same statement are gone with it.
		expect((await readAccounts(ids)).map(a => a.balance)).toEqual([100, 1200, 300]);
		expect(await rowsWritten(payments, debits)).toEqual({ payments: 0, debits: 0 });
	});

	it("waits for a concurrent top-up holding the row, then refuses instead of overwriting it", async () => {
		const [id] = await openAccounts([500]);
		const [read] = await readAccounts([id]);
		let releaseTopUp: () => void = () => undefined;
		const topUpHolding = new Promise<void>(resolve => (releaseTopUp = resolve));
		let topUpLocked: () => void = () => undefined;
		const locked = new Promise<void>(resolve => (topUpLocked = resolve));
		// The top-up updates the row and keeps its transaction open while the batch writes.
		const topUp = db.em.fork().transactional(async em => {
			const account = await em.findOneOrFail(Account, { userId: id });
			account.balance += 25;
			await em.flush();
			topUpLocked();
			await topUpHolding;
		});
		await locked;
		const write = writeBalances(db.em.fork() as SqlEntityManager, [{ userId: id, version: read.version, balance: 400 }]);
		const outcome = write.then(
			() => "written",
			(err: unknown) => (err instanceof OptimisticLockError ? "refused" : `failed: ${String(err)}`),
		);
		await new Promise(resolve => setTimeout(resolve, 200));
		releaseTopUp();
		await topUp;
		expect(await outcome).toBe("refused");
		expect((await readAccounts([id]))[0].balance).toBe(525);
	});
});
