import { defineEntity, p } from "@mikro-orm/core";
import { ORDER_STATUSES } from "./order-status.js";

export const OrderSchema = defineEntity({
	name: "Order",
	tableName: "orders",
	properties: {
		id: p.uuid().primary(),
		userId: p.uuid(),
		amount: p.bigint("number"),
		description: p.string().length(500),
		status: p.enum(ORDER_STATUSES).default("NEW"),
		reason: p.string().length(40).nullable(),
		createdAt: p.datetime().onCreate(() => new Date()),
		updatedAt: p.datetime().onCreate(() => new Date()).onUpdate(() => new Date()),
	},
});

export class Order extends OrderSchema.class {}
OrderSchema.setClass(Order);

/** An order's fields as its view needs them: an entity, or a row about to be inserted. */
export type OrderFields = Pick<Order, "id" | "userId" | "amount" | "description" | "status" | "reason" | "createdAt" | "updatedAt">;

export function toOrderView(order: OrderFields) {
	return {
		id: order.id,
		userId: order.userId,
		amount: order.amount,
		description: order.description,
		status: order.status,
		reason: order.reason ?? null,
		createdAt: order.createdAt.toISOString(),
		updatedAt: order.updatedAt.toISOString(),
	};
}
export type OrderView = ReturnType<typeof toOrderView>;
