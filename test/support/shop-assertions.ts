/** Checks shared by the integration suites: final statuses, and books that balance. */
import { expect } from "@jest/globals";
import type { UserClient } from "./http-client.js";
import { waitFor } from "./wait-for.js";

export async function waitForFinal(user: UserClient, orderId: string, timeoutMs = 30_000) {
	const res = await waitFor(() => user.order(orderId), r => r.status === 200 && r.body.status !== "NEW", {
		timeoutMs,
		what: `order ${orderId} to settle`,
	});
	return res.body as { id: string; status: "FINISHED" | "CANCELED"; reason: string | null; amount: number; updatedAt: string };
}

export async function waitForAllFinal(user: UserClient, expected: number, timeoutMs = 60_000) {
	const res = await waitFor(
		() => user.orders(`?pageSize=100`),
		r => r.status === 200 && r.body.total === expected && r.body.rows.every((o: { status: string }) => o.status !== "NEW"),
		{ timeoutMs, intervalMs: 250, what: `${expected} orders of ${user.userId} to settle` },
	);
	return res.body.rows as { id: string; status: string; amount: number; reason: string | null }[];
}

/** balance = credits − debits ≥ 0, and every FINISHED order has exactly one DEBIT of its amount. */
export async function expectBooksBalance(user: UserClient, orders: { id: string; status: string; amount: number }[]) {
	const [account, ledger] = await Promise.all([user.account(), user.transactions()]);
	expect(account.status).toBe(200);
	expect(ledger.status).toBe(200);
	const credits = ledger.body.filter(e => e.type === "CREDIT").reduce((sum, e) => sum + e.amount, 0);
	const debits = ledger.body.filter(e => e.type === "DEBIT");
	expect(account.body.balance).toBe(credits - debits.reduce((sum, e) => sum + e.amount, 0));
	expect(account.body.balance).toBeGreaterThanOrEqual(0);
	for (const order of orders) {
		const mine = debits.filter(d => d.orderId === order.id);
		if (order.status === "FINISHED") {
			expect(mine).toHaveLength(1);
			expect(mine[0].amount).toBe(order.amount);
		} else {
			expect(mine).toHaveLength(0);
		}
	}
	const orderIds = new Set(orders.map(o => o.id));
	expect(debits.every(d => orderIds.has(d.orderId))).toBe(true);
	return { balance: account.body.balance as number, credits, debits: debits.length };
}
