import { describe, expect, it } from "@jest/globals";
import { settle } from "../../domain/orders/order-status.js";
import { decidePayment } from "../../domain/payments/decide-payment.js";
import { isValidAmount, MAX_AMOUNT } from "../../domain/money.js";

describe("decidePayment", () => {
	it("pays when the balance covers the amount, to the last kopeck", () => {
		expect(decidePayment({ balance: 500 }, 500)).toEqual({ outcome: "SUCCEEDED", balanceAfter: 0 });
		expect(decidePayment({ balance: 501 }, 500)).toEqual({ outcome: "SUCCEEDED", balanceAfter: 1 });
	});
	it("refuses a kopeck short, and without an account", () => {
		expect(decidePayment({ balance: 499 }, 500)).toEqual({ outcome: "FAILED", reason: "INSUFFICIENT_FUNDS" });
		expect(decidePayment(null, 1)).toEqual({ outcome: "FAILED", reason: "ACCOUNT_NOT_FOUND" });
	});
});

describe("order status", () => {
	it("moves NEW to FINISHED or CANCELED with the reason", () => {
		expect(settle("NEW", { succeeded: true })).toEqual({ status: "FINISHED", reason: null });
		expect(settle("NEW", { succeeded: false, reason: "INSUFFICIENT_FUNDS" })).toEqual({ status: "CANCELED", reason: "INSUFFICIENT_FUNDS" });
	});
	it("never changes a final status", () => {
		expect(settle("FINISHED", { succeeded: false, reason: "ACCOUNT_NOT_FOUND" })).toBeNull();
		expect(settle("CANCELED", { succeeded: true })).toBeNull();
	});
});

describe("amounts", () => {
	it.each([1, 100, MAX_AMOUNT])("accepts %p", amount => expect(isValidAmount(amount)).toBe(true));
	it.each([0, -1, 1.5, MAX_AMOUNT + 1, Number.NaN, Infinity, "100", null, undefined, 1e300])("refuses %p", amount =>
		expect(isValidAmount(amount)).toBe(false),
	);
});

describe("in-process event bus", () => {
	it("refuses a message for a topic nobody consumes as that message's error, and delivers the rest", async () => {
		const { InProcessEventLog, NoConsumerYetError } = await import("../../infra/eventlog/in-process-event-log.js");
		const bus = new InProcessEventLog();
		const seen: string[] = [];
		await bus.consume({ groupId: "g", topic: "t", handleBatch: async batch => void seen.push(...batch.map(m => m.value!.toString())) });
		const refused = await bus.publish([{ topic: "nobody", key: "k", value: "lost?" }]).catch((err: unknown) => err);
		expect(refused).toBeInstanceOf(NoConsumerYetError);
		expect(bus.isMessageError(refused)).toBe(true);
		await bus.publish([{ topic: "t", key: "k", value: "delivered" }]);
		expect(seen).toEqual(["delivered"]);
		expect(bus.isMessageError(new Error("anything else"))).toBe(false);
	});

	it("hands one publish's messages of a topic to each group as one ordered batch", async () => {
		const { InProcessEventLog } = await import("../../infra/eventlog/in-process-event-log.js");
		const bus = new InProcessEventLog();
		const batches: Record<string, string[][]> = { a: [], b: [] };
		for (const group of ["a", "b"]) {
			await bus.consume({ groupId: group, topic: "t", handleBatch: async batch => void batches[group].push(batch.map(m => m.value!.toString())) });
		}
		await bus.publish(["1", "2", "3"].map(value => ({ topic: "t", key: "k", value })));
		await bus.publish([{ topic: "t", key: "k", value: "4" }]);
		expect(batches).toEqual({ a: [["1", "2", "3"], ["4"]], b: [["1", "2", "3"], ["4"]] });
	});
});
