/** The one business rule of payments: can this account pay this amount? */
import type { PaymentFailureReason } from "../events/event-types.js";

export type PaymentDecision =
	| { outcome: "SUCCEEDED"; balanceAfter: number }
	| { outcome: "FAILED"; reason: PaymentFailureReason };

export function decidePayment(account: { balance: number } | null, amount: number): PaymentDecision {
	if (!account) return { outcome: "FAILED", reason: "ACCOUNT_NOT_FOUND" };
	if (account.balance < amount) return { outcome: "FAILED", reason: "INSUFFICIENT_FUNDS" };
	return { outcome: "SUCCEEDED", balanceAfter: account.balance - amount };
}
