/** Order lifecycle: NEW → FINISHED (paid) or NEW → CANCELED. A final status never changes. */
import type { PaymentFailureReason } from "../events/event-types.js";

export const ORDER_STATUSES = ["NEW", "FINISHED", "CANCELED"] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

export type PaymentOutcome = { succeeded: true } | { succeeded: false; reason: PaymentFailureReason };

export type Transition = { status: "FINISHED" | "CANCELED"; reason: PaymentFailureReason | null } | null;

/** The status an order moves to on a payment outcome, or null if it is already final. */
export function settle(current: OrderStatus, outcome: PaymentOutcome): Transition {
	if (current !== "NEW") return null;
	return outcome.succeeded
		? { status: "FINISHED", reason: null }
		: { status: "CANCELED", reason: outcome.reason };
}
