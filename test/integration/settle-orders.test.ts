/**
 * Guarantee 2 at its narrowest: settling a batch of orders is one compare-and-set statement. A
 * NEW order of the named user moves to its final status; a final status never changes, whatever
 * outcome arrives later; a result that names another user, or an order that does not exist,
 * changes nothing, and does not hide the order's real result behind it in the same batch; with the
 * inbox's record in the same statement, a result seen before changes nothing either.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import type { ServiceBroker } from "moleculer";
import { createEnvelope } from "../../domain/events/envelope.js";
import { PAYMENT_FAILED, PAYMENT_SUCCEEDED, type PaymentFailureReason, type PaymentResultData } from "../../domain/events/event-types.js";
import { Order, OrderSchema } from "../../domain/orders/order.entity.js";
import { openDatabase, type Database } from "../../infra/db/open-database.js";
import { ordersMigrations } from "../../migrations/orders/index.js";
import type { SqlEntityManager, SqlWrite } from "../../mixins/orm.mixin.js";
import { recordDeliveries } from "../../mixins/inbox/record-deliveries.js";
import { PAYMENTS_TOPIC } from "../../domain/events/topics.js";
import type { Delivery } from "../../mixins/inbox.mixin.js";
import { settleOrders, type Settlement } from "../../services/orders/settle-orders.js";
import { startMesh, type Mesh } from "../support/mesh.js";
import { recordStatements } from "../support/record-statements.js";

let db: Database;
beforeAll(async () => {
	db = await openDatabase({ service: "orders", url: process.env.ORDERS_DB_URL, dataDir: "unused", entities: [OrderSchema], migrations: ordersMigrations });
});
// These orders have no OrderCreated behind them: the books other suites audit must not see them.
const placed: string[] = [];
afterAll(async () => {
	if (db && placed.length > 0) await db.em.fork().nativeDelete(Order, { id: { $in: placed } });
	await db?.close();
});

async function placeOrders(count: number): Promise<Order[]> {
	return db.em.fork().transactional(async em => {
		const orders = Array.from({ length: count }, (_, i) => em.create(Order, { id: randomUUID(), userId: randomUUID(), amount: 100 + i, description: `settle ${i}`, status: "NEW" }));
		placed.push(...orders.map(o => o.id));
		return orders;
	});
}

/** Settles with the inbox's record, with no transaction around it, and counts the statements it sent. */
async function settleWith(settlements: Settlement[], record: SqlWrite) {
	const { result, statements } = await recordStatements(db.em as SqlEntityManager, em => settleOrders(em, settlements, record));
	return { ...result, statements };
}

/** Settles as the inbox would for payment results seen for the first time. */
async function settleCounting(settlements: Omit<Settlement, "eventId">[]) {
	const events = settlements.map(({ orderId, userId, status, reason }) =>
		status === "FINISHED"
			? createEnvelope({ source: "gozon/payments", type: PAYMENT_SUCCEEDED, subject: orderId, data: { orderId, userId, amount: 1 } })
			: createEnvelope({ source: "gozon/payments", type: PAYMENT_FAILED, subject: orderId, data: { orderId, userId, amount: 1, reason: reason as PaymentFailureReason } }),
	);
	return settleWith(settlements.map((s, i) => ({ ...s, eventId: events[i].id })), recordDeliveries(events, PAYMENTS_TOPIC));
}

const resultEvent = (order: Order) =>
	createEnvelope({ source: "gozon/payments", type: PAYMENT_SUCCEEDED, subject: order.id, data: { orderId: order.id, userId: order.userId, amount: order.amount } });

const statusOf = async (ids: string[]) => {
	const orders = await db.em.fork().find(Order, { id: { $in: ids } });
	return ids.map(id => {
		const order = orders.find(o => o.id === id)!;
		return { status: order.status, reason: order.reason ?? null };
	});
};

describe("settleOrders", () => {
	it("settles a batch in one statement and answers with the changed orders", async () => {
		const [paid, refused] = await placeOrders(2);
		const { views, statements } = await settleCounting([
			{ orderId: paid.id, userId: paid.userId, status: "FINISHED", reason: null },
			{ orderId: refused.id, userId: refused.userId, status: "CANCELED", reason: "INSUFFICIENT_FUNDS" },
		]);
		expect(statements).toHaveLength(1);
		expect(views.map(v => [v.id, v.status, v.reason, v.amount]).sort()).toEqual(
			[
				[paid.id, "FINISHED", null, paid.amount],
				[refused.id, "CANCELED", "INSUFFICIENT_FUNDS", refused.amount],
			].sort(),
		);
		expect(new Date(views[0].updatedAt).getTime()).toBeGreaterThanOrEqual(new Date(views[0].createdAt).getTime());
		expect(await statusOf([paid.id, refused.id])).toEqual([
			{ status: "FINISHED", reason: null },
			{ status: "CANCELED", reason: "INSUFFICIENT_FUNDS" },
		]);
	});

	it("never changes a final status, and ignores another user's result and an unknown order", async () => {
		const [final, other] = await placeOrders(2);
		await settleCounting([{ orderId: final.id, userId: final.userId, status: "FINISHED", reason: null }]);
		const { views } = await settleCounting([
			{ orderId: final.id, userId: final.userId, status: "CANCELED", reason: "INSUFFICIENT_FUNDS" },
			{ orderId: other.id, userId: randomUUID(), status: "FINISHED", reason: null },
			{ orderId: randomUUID(), userId: randomUUID(), status: "FINISHED", reason: null },
		]);
		expect(views).toEqual([]);
		expect(await statusOf([final.id, other.id])).toEqual([
			{ status: "FINISHED", reason: null },
			{ status: "NEW", reason: null },
		]);
	});
});

describe("settleOrders and the inbox's record", () => {
	it("remembers the results and settles by those seen for the first time, in one statement", async () => {
		const [first, second] = await placeOrders(2);
		const event = resultEvent(first);
		const settled = await settleWith([{ orderId: first.id, userId: first.userId, status: "FINISHED", reason: null, eventId: event.id }], recordDeliveries([event], PAYMENTS_TOPIC));
		expect(settled.statements).toHaveLength(1);
		expect(settled.statements[0]).toMatch(/insert into inbox_messages[\s\S]*update orders/);
		expect(settled.fresh).toEqual([event.id]);
		expect(settled.views.map(v => v.id)).toEqual([first.id]);
		// The same envelope again, now naming a NEW order: it was seen before, so nothing moves.
		const again = await settleWith([{ orderId: second.id, userId: second.userId, status: "FINISHED", reason: null, eventId: event.id }], recordDeliveries([event], PAYMENTS_TOPIC));
		expect(again).toMatchObject({ fresh: [], views: [] });
		expect(await statusOf([first.id, second.id])).toEqual([
			{ status: "FINISHED", reason: null },
			{ status: "NEW", reason: null },
		]);
	});
});

describe("settleOrders on a larger batch", () => {
	it("answers every fresh id once and every settled order, with only some of the results new", async () => {
		const orders = await placeOrders(40);
		const events = orders.map(resultEvent);
		// The first ten were recorded before: only the other thirty are fresh and settle.
		await settleWith(orders.slice(0, 10).map((o, i) => ({ orderId: o.id, userId: o.userId, status: "FINISHED", reason: null, eventId: events[i].id })), recordDeliveries(events.slice(0, 10), PAYMENTS_TOPIC));
		const settled = await settleWith(
			orders.map((o, i) => ({ orderId: o.id, userId: o.userId, status: "CANCELED", reason: "INSUFFICIENT_FUNDS", eventId: events[i].id })),
			recordDeliveries(events, PAYMENTS_TOPIC),
		);
		expect(settled.statements).toHaveLength(1);
		expect([...settled.fresh].sort()).toEqual(events.slice(10).map(e => e.id).sort());
		expect(settled.views.map(v => v.id).sort()).toEqual(orders.slice(10).map(o => o.id).sort());
		expect(settled.views.every(v => v.status === "CANCELED")).toBe(true);
		expect((await statusOf(orders.map(o => o.id))).map(s => s.status)).toEqual([...Array(10).fill("FINISHED"), ...Array(30).fill("CANCELED")]);
	});
});

describe("the orders service settling a batch of payment results", () => {
	let mesh: Mesh;
	beforeAll(async () => {
		mesh = await startMesh({ orders: 1 });
	});
	afterAll(async () => {
		await mesh?.stop();
	});

	const delivery = (type: typeof PAYMENT_SUCCEEDED | typeof PAYMENT_FAILED, data: PaymentResultData): Delivery => ({
		event: createEnvelope({ source: "gozon/payments", type, subject: data.orderId, data }),
		trace: {},
		causedHeaders: {},
	});

	it("settles an order by its own user's result when another user's result for it comes first", async () => {
		const [order] = await placeOrders(1);
		const orders = (mesh.brokers.orders[0] as ServiceBroker).getLocalService("orders") as unknown as {
			fork(): SqlEntityManager;
			applyPaymentResults(em: SqlEntityManager, deliveries: Delivery[], record: SqlWrite): Promise<unknown>;
		};
		const deliveries = [
			delivery(PAYMENT_SUCCEEDED, { orderId: order.id, userId: randomUUID(), amount: order.amount }),
			delivery(PAYMENT_FAILED, { orderId: order.id, userId: order.userId, amount: order.amount, reason: "INSUFFICIENT_FUNDS" }),
		];
		await orders.applyPaymentResults(orders.fork(), deliveries, recordDeliveries(deliveries.map(d => d.event), PAYMENTS_TOPIC));
		expect(await statusOf([order.id])).toEqual([{ status: "CANCELED", reason: "INSUFFICIENT_FUNDS" }]);
	});
});
