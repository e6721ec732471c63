/**
 * Moves orders to their final status in ONE statement, each row only if it is still NEW and
 * belongs to the user the payment names: a compare-and-set on the status, so a final status
 * never changes whatever arrives later, and a payment result for someone else's order changes
 * nothing. The transition itself is the domain's (`settle` in domain/orders/order-status.ts);
 * this only applies it. One round trip, where reading the orders and flushing them took two.
 */
import { Order, toOrderView, type OrderView } from "../../domain/orders/order.entity.js";
import type { SqlEntityManager } from "../../mixins/orm.mixin.js";

export interface Settlement {
	orderId: string;
	userId: string;
	status: "FINISHED" | "CANCELED";
	reason: string | null;
}

/** Applies the settlements (one per order); returns the orders that changed, as views. */
export async function settleOrders(em: SqlEntityManager, settlements: Settlement[]): Promise<OrderView[]> {
	if (settlements.length === 0) return [];
	const rows = await em.execute<Record<string, unknown>[]>(
		`update orders as o
		    set status = v.status, reason = v.reason, updated_at = ?
		   from (values ${settlements.map(() => "(?::uuid, ?::uuid, ?::text, ?::text)").join(", ")}) as v (id, user_id, status, reason)
		  where o.id = v.id and o.user_id = v.user_id and o.status = 'NEW'
		returning o.*`,
		[new Date(), ...settlements.flatMap(s => [s.orderId, s.userId, s.status, s.reason])],
	);
	return rows.map(row => toOrderView(em.map(Order, row)));
}
