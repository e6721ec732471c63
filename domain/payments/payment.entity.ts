import { defineEntity, p } from "@mikro-orm/core";

export const PAYMENT_OUTCOMES = ["SUCCEEDED", "FAILED"] as const;

/**
 * The decision taken for an order, keyed by order id: whatever envelope an OrderCreated arrives
 * in, an order is decided once.
 */
export const PaymentSchema = defineEntity({
	name: "Payment",
	tableName: "payments",
	properties: {
		orderId: p.uuid().primary(),
		userId: p.uuid(),
		amount: p.bigint("number"),
		outcome: p.enum(PAYMENT_OUTCOMES),
		reason: p.string().length(40).nullable(),
		createdAt: p.datetime().onCreate(() => new Date()),
	},
});

export class Payment extends PaymentSchema.class {}
PaymentSchema.setClass(Payment);
