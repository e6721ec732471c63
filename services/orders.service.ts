/**
 * orders: creates orders and follows their payment.
 *
 * - create: the order row and its OrderCreated event commit in ONE transaction (outbox); the
 *   relay then carries the event to Kafka and payment runs asynchronously. Orders placed while
 *   others are being written share the next transaction (group commit, `createOrders`).
 * - applyPaymentResults: PaymentSucceeded/PaymentFailed arrive through the inbox, a batch at a
 *   time, and settle each order once (orders/settle-orders.ts); each change is broadcast on the
 *   mesh for live pushes.
 */
import { randomUUID } from "node:crypto";
import type { Context, Service, ServiceSchema, ServiceSettingSchema } from "moleculer";
import { createEnvelope } from "../domain/events/envelope.js";
import { ORDER_CREATED, PAYMENT_FAILED, PAYMENT_SUCCEEDED, type PaymentResultData } from "../domain/events/event-types.js";
import { ORDERS_TOPIC, PAYMENTS_TOPIC } from "../domain/events/topics.js";
import { amountRule } from "../domain/money.js";
import { descriptionRule } from "../domain/orders/description.js";
import { Order, OrderSchema, toOrderView, type OrderView } from "../domain/orders/order.entity.js";
import { settle } from "../domain/orders/order-status.js";
import { uuidKey } from "../domain/uuid-key.js";
import { idempotencyKeyRule, pageRule, userIdRule, uuidRule } from "../infra/action-params.js";
import { config } from "../infra/config.js";
import { isConnectionError } from "../infra/db/connection-errors.js";
import { notFound } from "../infra/errors.js";
import { recordSettlement } from "../infra/observability/metrics.js";
import { runInTraceScope, traceHeadersOf } from "../infra/observability/trace-context.js";
import { ordersMigrations } from "../migrations/orders/index.js";
import { failedBeforeCommit, GroupCommit } from "../mixins/group-commit/group-commit.js";
import { runIdempotent } from "../mixins/idempotency/run-idempotent.js";
import { inboxMixin, type AfterCommit, type Delivery } from "../mixins/inbox.mixin.js";
import { ormMixin, type OrmMethods, type SqlEntityManager } from "../mixins/orm.mixin.js";
import type { OutboxEntry } from "../mixins/outbox/enqueue-event.js";
import { outboxMixin, type OutboxMethods } from "../mixins/outbox.mixin.js";
import { operationsMixin } from "../mixins/operations.mixin.js";
import { settleOrders, type Settlement } from "./orders/settle-orders.js";

/** Broadcast on the mesh whenever an order reaches a final status. */
export const ORDER_UPDATED_EVENT = "orders.updated";

interface OrdersState {
	/** Shares transactions among orders placed at the same time (see createOrders). */
	createGroup: GroupCommit<CreateCall, OrderView>;
	createOrders(calls: CreateCall[]): Promise<OrderView[]>;
	reportUnsettled(em: SqlEntityManager, settlements: PendingSettlements, views: OrderView[]): Promise<void>;
}

/** A batch's settlements by order and user (settlementKey), each with the delivery that asked for it. */
type PendingSettlements = Map<string, Settlement & { delivery: Delivery }>;

const settlementKey = (orderId: string, userId: string) => `${uuidKey(orderId)}/${uuidKey(userId)}`;

type OrdersThis = Service & OrmMethods & OutboxMethods & OrdersState;

interface CreateParams {
	userId: string;
	amount: number;
	description: string;
	idempotencyKey?: string;
}

/** One placed order on its way into a shared transaction. */
interface CreateCall {
	params: CreateParams;
	/** The caller's trace, carried by the order's event. */
	traceHeaders: Record<string, string>;
}

const OrdersService: ServiceSchema<ServiceSettingSchema, Record<string, any>, OrmMethods & OutboxMethods & OrdersState> = {
	name: "orders",

	mixins: [
		ormMixin({
			service: "orders",
			url: config.ordersDbUrl,
			entities: [OrderSchema],
			migrations: ordersMigrations,
		}),
		outboxMixin(),
		inboxMixin({
			topic: PAYMENTS_TOPIC,
			groupId: "gozon-orders",
			accepts: [PAYMENT_SUCCEEDED, PAYMENT_FAILED],
			handler: "applyPaymentResults",
		}),
		operationsMixin({ stats: service => ({ createGroup: (service as OrdersThis).createGroup.stats }) }),
	],

	actions: {
		/** Places an order; payment follows asynchronously. */
		create: {
			params: {
				userId: userIdRule,
				amount: amountRule,
				description: descriptionRule,
				idempotencyKey: idempotencyKeyRule,
				$$strict: true,
			},
			async handler(this: OrdersThis, ctx: Context<CreateParams>): Promise<OrderView> {
				const result = await this.createGroup.submit({ params: ctx.params, traceHeaders: traceHeadersOf(ctx) });
				Object.assign(ctx.meta, { $statusCode: 201, $location: `/api/orders/${result.id}` });
				return result;
			},
		},

		/** The user's orders, newest first. */
		list: {
			params: {
				userId: userIdRule,
				page: pageRule("page", 1_000_000, 1),
				pageSize: pageRule("pageSize", 100, 20),
				$$strict: true,
			},
			async handler(this: OrdersThis, ctx: Context<{ userId: string; page: number; pageSize: number }>) {
				const { userId, page, pageSize } = ctx.params;
				const [rows, total] = await this.fork().findAndCount(
					Order,
					{ userId },
					{ orderBy: { createdAt: "desc", id: "desc" }, limit: pageSize, offset: (page - 1) * pageSize },
				);
				return { rows: rows.map(toOrderView), total, page, pageSize, totalPages: Math.ceil(total / pageSize) };
			},
		},

		/** One order of the user; another user's order is indistinguishable from a missing one. */
		get: {
			params: { userId: userIdRule, id: uuidRule("id"), $$strict: true },
			async handler(this: OrdersThis, ctx: Context<{ userId: string; id: string }>): Promise<OrderView> {
				const order = await this.fork().findOne(Order, { id: ctx.params.id, userId: ctx.params.userId });
				if (!order) throw notFound("ORDER_NOT_FOUND", `Order ${ctx.params.id} not found.`);
				return toOrderView(order);
			},
		},
	},

	created(this: OrdersThis) {
		this.createGroup = new GroupCommit<CreateCall, OrderView>({
			run: calls => this.createOrders(calls),
			...config.createGroup,
			failsEveryCall: isConnectionError,
			// A shared transaction's log lines belong to no one caller's trace.
			detached: work => runInTraceScope({}, work),
		});
	},

	methods: {
		/**
		 * Writes orders and their OrderCreated events in one transaction, an answer per call. A
		 * repeated Idempotency-Key gets the stored answer and writes nothing, even when the first
		 * use is in the same transaction. Whatever fails inside rolls the transaction back
		 * (failedBeforeCommit), so the group may run again without the call at fault.
		 */
		async createOrders(this: OrdersThis, calls: CreateCall[]): Promise<OrderView[]> {
			return this.transactionalWithEvents((em, enqueue) => failedBeforeCommit(async () => {
				const events: OutboxEntry[] = [];
				const answers: OrderView[] = [];
				for (const { params, traceHeaders } of calls) {
					const { userId, amount, description, idempotencyKey } = params;
					const { result } = await runIdempotent(em, { userId, scope: "orders.create", key: idempotencyKey, request: { amount, description } }, async () => {
						// Timestamps set here, not at flush: the stored idempotent answer is this view.
						const now = new Date();
						const order = em.create(Order, { id: randomUUID(), userId, amount, description, status: "NEW", createdAt: now, updatedAt: now });
						events.push({
							topic: ORDERS_TOPIC,
							key: userId,
							event: createEnvelope({
								source: "gozon/orders",
								type: ORDER_CREATED,
								subject: order.id,
								data: { orderId: order.id, userId, amount, description },
							}),
							headers: traceHeaders,
						});
						return toOrderView(order);
					});
					answers.push(result);
				}
				await enqueue(events);
				await em.flush();
				return answers;
			}));
		},

		/**
		 * Settles orders on their payment outcomes, each once (the inbox guards redelivery, and a
		 * final status never changes), in one transaction and one statement (settleOrders); each
		 * change is broadcast on the mesh once committed.
		 */
		async applyPaymentResults(this: OrdersThis, em: SqlEntityManager, deliveries: Delivery[]): Promise<AfterCommit> {
			// Only a NEW order moves, and the first outcome of an order in the batch is the one that
			// counts; a result naming another user must not hide the order's real one behind it.
			const settlements: PendingSettlements = new Map();
			for (const delivery of deliveries) {
				const data = delivery.event.data as PaymentResultData;
				const key = settlementKey(data.orderId, data.userId);
				if (settlements.has(key)) continue;
				const next = settle(
					"NEW",
					delivery.event.type === PAYMENT_SUCCEEDED ? { succeeded: true } : { succeeded: false, reason: data.reason! },
				)!;
				settlements.set(key, { orderId: data.orderId, userId: data.userId, ...next, delivery });
			}
			const views = await settleOrders(em, [...settlements.values()]);
			if (views.length < settlements.size) await this.reportUnsettled(em, settlements, views);
			return () => {
				for (const view of views) {
					recordSettlement(this.broker, view);
					void this.broker.broadcast(ORDER_UPDATED_EVENT, view);
				}
			};
		},

		/** Says why results changed nothing: the order was already final (a repeat), or is unknown to this user. */
		async reportUnsettled(this: OrdersThis, em: SqlEntityManager, settlements: PendingSettlements, views: OrderView[]) {
			const changed = new Set(views.map(v => settlementKey(v.id, v.userId)));
			const rest = [...settlements].filter(([key]) => !changed.has(key)).map(([, s]) => s);
			const known = new Map((await em.find(Order, { id: { $in: rest.map(s => s.orderId) } })).map(o => [uuidKey(o.id), o]));
			for (const { orderId, userId, delivery } of rest) {
				const order = known.get(uuidKey(orderId));
				runInTraceScope(delivery.trace, () =>
					!order || uuidKey(order.userId) !== uuidKey(userId)
						? this.logger.warn(`payment result for unknown order ${orderId} (user ${userId}) ignored`)
						: this.logger.debug(`order ${orderId} is already ${order.status}; ${delivery.event.type} ${delivery.event.id} ignored`),
				);
			}
		},
	},
};

export default OrdersService;
