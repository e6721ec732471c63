/**
 * orders: creates orders and follows their payment.
 *
 * - create: the order row and its OrderCreated event commit in ONE statement (outbox); the
 *   relay then carries the event to Kafka and payment runs asynchronously. Orders placed while
 *   others are being written share the next statement (group commit, `createOrders`).
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
import { isConnectionError, refusedByServer } from "../infra/db/connection-errors.js";
import { notFound } from "../infra/errors.js";
import { recordSettlement } from "../infra/observability/metrics.js";
import { runInTraceScope, traceHeadersOf } from "../infra/observability/trace-context.js";
import { ordersMigrations } from "../migrations/orders/index.js";
import { CallFailed, failedBeforeCommit, GroupCommit } from "../mixins/group-commit/group-commit.js";
import { hashRequest, readStoredResponses, replayStored, storedKey } from "../mixins/idempotency/run-idempotent.js";
import { inboxMixin, type Applied, type Delivery } from "../mixins/inbox.mixin.js";
import { ormMixin, type OrmMethods, type SqlEntityManager, type SqlWrite } from "../mixins/orm.mixin.js";
import { outboxRowsOf } from "../mixins/outbox/enqueue-event.js";
import { outboxMixin, type OutboxMethods } from "../mixins/outbox.mixin.js";
import { operationsMixin } from "../mixins/operations.mixin.js";
import { CREATE_SCOPE, insertOrders, type NewOrder } from "./orders/insert-orders.js";
import { settleOrders, type Settlement } from "./orders/settle-orders.js";

/** Broadcast on the mesh whenever an order reaches a final status. */
export const ORDER_UPDATED_EVENT = "orders.updated";

interface OrdersState {
	/** Shares statements among orders placed at the same time (see createOrders). */
	createGroup: GroupCommit<CreateCall, OrderView>;
	createOrders(calls: CreateCall[]): Promise<(OrderView | CallFailed)[]>;
	reportUnsettled(em: SqlEntityManager, settlements: PendingSettlements, views: OrderView[], fresh: string[]): Promise<void>;
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

/** One placed order on its way into a shared statement. */
interface CreateCall {
	params: CreateParams;
	/** The caller's trace, carried by the order's event. */
	traceHeaders: Record<string, string>;
}

/** The groups' orders as they are to be written: each with its answer, its event and its key. */
function newOrders(calls: CreateCall[], now: Date): NewOrder[] {
	const views = calls.map(({ params: { userId, amount, description } }) =>
		toOrderView({ id: randomUUID(), userId, amount, description, status: "NEW", reason: null, createdAt: now, updatedAt: now }),
	);
	const events = outboxRowsOf(
		views.map((view, i) => ({
			topic: ORDERS_TOPIC,
			key: view.userId,
			event: createEnvelope({
				source: "gozon/orders",
				type: ORDER_CREATED,
				subject: view.id,
				data: { orderId: view.id, userId: view.userId, amount: view.amount, description: view.description },
			}),
			headers: calls[i].traceHeaders,
		})),
	);
	return calls.map(({ params: { amount, description, idempotencyKey } }, i) => ({
		view: views[i],
		event: events[i],
		idempotency: idempotencyKey ? { key: idempotencyKey, requestHash: hashRequest({ amount, description }) } : undefined,
	}));
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
			// A shared statement's log lines belong to no one caller's trace.
			detached: work => runInTraceScope({}, work),
		});
	},

	methods: {
		/**
		 * Writes orders and their OrderCreated events in ONE statement (orders/insert-orders.ts), an
		 * answer per call. A repeated Idempotency-Key gets the stored answer and writes nothing,
		 * even when its first use is in the same group; a key reused for another request fails
		 * that call alone. A statement that failed wrote nothing (failedBeforeCommit), so the group
		 * may run again without the call at fault.
		 */
		async createOrders(this: OrdersThis, calls: CreateCall[]): Promise<(OrderView | CallFailed)[]> {
			// An event that fails its schema is a bug here: nothing is written, and the group narrows down.
			const orders = await failedBeforeCommit(async () => newOrders(calls, new Date()));
			// One user's key twice in the group: only its first use goes into the statement, the
			// others are answered as repeats once it has committed.
			const firstUses = new Set<string>();
			const toWrite = orders.filter(({ view, idempotency }) => {
				if (!idempotency) return true;
				const key = storedKey(view.userId, idempotency.key);
				if (firstUses.has(key)) return false;
				firstUses.add(key);
				return true;
			});
			const em = this.fork();
			// Only an error the server answered with means nothing was written; a lost connection or a
			// client-side timeout leaves the statement's outcome unknown, and it is not run again.
			const outcomes = await failedBeforeCommit(() => insertOrders(em, toWrite, this.relay.leaseForNewRows()), refusedByServer);
			this.relay.publishCommitted(outcomes.flatMap(o => (o.written ? [o.event] : [])));
			const outcomeOf = new Map(toWrite.map((order, i) => [order, outcomes[i]]));
			const storedIn = (order: NewOrder) => {
				const outcome = outcomeOf.get(order);
				return outcome && !outcome.written ? outcome.stored : undefined;
			};
			// Repeats whose first use the statement could not see (in this group, or committed while
			// it ran) are read now; a failed read fails those calls only, the written ones stand.
			const unseen = orders.filter(order => !outcomeOf.get(order)?.written && !storedIn(order));
			const read = await readStoredResponses<OrderView>(em, CREATE_SCOPE, unseen.map(o => ({ userId: o.view.userId, key: o.idempotency!.key }))).then(
				stored => ({ stored }),
				(error: unknown) => ({ error }),
			);
			return orders.map(order => {
				if (outcomeOf.get(order)?.written) return order.view;
				const { key, requestHash } = order.idempotency!;
				const stored = storedIn(order) ?? ("stored" in read ? read.stored.get(storedKey(order.view.userId, key)) : undefined);
				if (!stored) return new CallFailed("error" in read ? read.error : new Error(`Idempotency-Key ${key} is taken but has no stored answer`));
				try {
					return replayStored(stored, requestHash);
				} catch (err) {
					return new CallFailed(err);
				}
			});
		},

		/**
		 * Settles orders on their payment outcomes, each once (the inbox's record in the same
		 * statement guards redelivery, and a final status never changes), in ONE statement
		 * (settleOrders); each change is broadcast on the mesh once committed.
		 */
		async applyPaymentResults(this: OrdersThis, em: SqlEntityManager, deliveries: Delivery[], record: SqlWrite): Promise<Applied> {
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
				settlements.set(key, { orderId: data.orderId, userId: data.userId, ...next, eventId: delivery.event.id, delivery });
			}
			const { views, fresh } = await settleOrders(em, [...settlements.values()], record);
			return {
				fresh,
				afterCommit: () => {
					for (const view of views) {
						recordSettlement(this.broker, view);
						void this.broker.broadcast(ORDER_UPDATED_EVENT, view);
					}
					// Only log lines, read after the commit: a failure here must not fail the batch.
					if (views.length < settlements.size) {
						this.reportUnsettled(this.fork(), settlements, views, fresh).catch((err: Error) => this.logger.warn(`could not say why results changed nothing: ${err.message}`));
					}
				},
			};
		},

		/** Says why results changed nothing: the order was already final (a repeat), or is unknown to this user. */
		async reportUnsettled(this: OrdersThis, em: SqlEntityManager, settlements: PendingSettlements, views: OrderView[], fresh: string[]) {
			const changed = new Set(views.map(v => settlementKey(v.id, v.userId)));
			// A result seen before is the inbox's to report (a duplicate), not a settlement that failed.
			const firstSeen = new Set(fresh.map(uuidKey));
			const rest = [...settlements].filter(([key, s]) => !changed.has(key) && firstSeen.has(uuidKey(s.delivery.event.id))).map(([, s]) => s);
			if (rest.length === 0) return;
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
