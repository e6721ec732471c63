/**
 * payments: one account per user, top-ups, balance and ledger, and the payment of orders.
 *
 * - payForOrders: OrderCreated events arrive through the inbox, a batch at a time. The batch
 *   reads in one statement (payments/batch-statements.ts) and writes in ONE: the inbox rows, the
 *   decisions, the debits, the balances and the PaymentSucceeded/PaymentFailed outbox rows
 *   commit together, as a single statement does, with no transaction around it.
 * - Balances change only under optimistic locking (the account's version column), retried with
 *   jitter when a concurrent writer wins; a batch writes all its accounts in one statement
 *   (mixins/optimistic-lock/write-balances.ts).
 */
import { randomUUID } from "node:crypto";
import { UniqueConstraintViolationException } from "@mikro-orm/core";
import type { Context, Service, ServiceSchema, ServiceSettingSchema } from "moleculer";
import { createEnvelope } from "../domain/events/envelope.js";
import { ORDER_CREATED, PAYMENT_FAILED, PAYMENT_SUCCEEDED, type OrderCreatedData } from "../domain/events/event-types.js";
import { ORDERS_TOPIC, PAYMENTS_TOPIC } from "../domain/events/topics.js";
import { amountRule, MAX_BALANCE } from "../domain/money.js";
import { Account, AccountSchema } from "../domain/payments/account.entity.js";
import { decidePayment } from "../domain/payments/decide-payment.js";
import { LedgerEntry, LedgerEntrySchema, toLedgerView } from "../domain/payments/ledger-entry.entity.js";
import { PaymentSchema } from "../domain/payments/payment.entity.js";
import { uuidKey } from "../domain/uuid-key.js";
import { idempotencyKeyRule, pageRule, userIdRule } from "../infra/action-params.js";
import { config } from "../infra/config.js";
import { runInTraceScope } from "../infra/observability/trace-context.js";
import { conflict, notFound, unprocessable } from "../infra/errors.js";
import { paymentsMigrations } from "../migrations/payments/index.js";
import { runIdempotent } from "../mixins/idempotency/run-idempotent.js";
import { inboxMixin, type Applied, type Delivery } from "../mixins/inbox.mixin.js";
import { operationsMixin } from "../mixins/operations.mixin.js";
import { optimisticLockMixin, type OptimisticLockMethods } from "../mixins/optimistic-lock.mixin.js";
import { writeBalances } from "../mixins/optimistic-lock/write-balances.js";
import { ormMixin, type OrmMethods, type SqlEntityManager, type SqlWrite } from "../mixins/orm.mixin.js";
import { outboxInsert, outboxRowsOf, withSeqs, type OutboxEntry } from "../mixins/outbox/enqueue-event.js";
import { outboxMixin, type OutboxMethods } from "../mixins/outbox.mixin.js";
import { insertDebits, insertPayments, readBatch, type DebitRow, type PaymentRow } from "./payments/batch-statements.js";

type PaymentsThis = Service & OrmMethods & OutboxMethods & OptimisticLockMethods;

function accountView(account: Account) {
	return {
		userId: account.userId,
		balance: account.balance,
		createdAt: account.createdAt.toISOString(),
		updatedAt: account.updatedAt.toISOString(),
	};
}

const PaymentsService: ServiceSchema<ServiceSettingSchema, Record<string, any>, OrmMethods & OutboxMethods & OptimisticLockMethods> = {
	name: "payments",

	mixins: [
		ormMixin({
			service: "payments",
			url: config.paymentsDbUrl,
			entities: [AccountSchema, LedgerEntrySchema, PaymentSchema],
			migrations: paymentsMigrations,
		}),
		optimisticLockMixin(),
		outboxMixin(),
		inboxMixin({ topic: ORDERS_TOPIC, groupId: "gozon-payments", accepts: [ORDER_CREATED], handler: "payForOrders" }),
		operationsMixin(),
	],

	actions: {
		/** Opens the user's account with a zero balance. */
		createAccount: {
			params: { userId: userIdRule, $$strict: true },
			async handler(this: PaymentsThis, ctx: Context<{ userId: string }>) {
				try {
					const account = await this.transactional(async em => {
						const created = em.create(Account, { userId: ctx.params.userId, balance: 0 });
						await em.flush();
						return created;
					});
					Object.assign(ctx.meta, { $statusCode: 201, $location: "/api/accounts/me" });
					const { updatedAt: _updatedAt, ...view } = accountView(account);
					return view;
				} catch (err) {
					if (err instanceof UniqueConstraintViolationException) throw conflict("ACCOUNT_EXISTS", "This user already has an account.");
					throw err;
				}
			},
		},

		/** The user's balance. */
		getAccount: {
			params: { userId: userIdRule, $$strict: true },
			async handler(this: PaymentsThis, ctx: Context<{ userId: string }>) {
				const account = await this.fork().findOne(Account, { userId: ctx.params.userId });
				if (!account) throw notFound("ACCOUNT_NOT_FOUND", "This user has no account.");
				const { createdAt: _createdAt, ...view } = accountView(account);
				return view;
			},
		},

		/** Tops the account up; returns the new balance. */
		deposit: {
			params: { userId: userIdRule, amount: amountRule, idempotencyKey: idempotencyKeyRule, $$strict: true },
			async handler(this: PaymentsThis, ctx: Context<{ userId: string; amount: number; idempotencyKey?: string }>) {
				const { userId, amount, idempotencyKey } = ctx.params;
				const { result } = await this.withConflictRetry(() =>
					this.transactional(em =>
						runIdempotent(em, { userId, scope: "payments.deposit", key: idempotencyKey, request: { amount } }, async () => {
							const account = await em.findOne(Account, { userId });
							if (!account) throw notFound("ACCOUNT_NOT_FOUND", "This user has no account.");
							if (account.balance + amount > MAX_BALANCE) {
								throw unprocessable("BALANCE_LIMIT", `The balance may not exceed ${MAX_BALANCE}.`, [
									{ field: "amount", message: "The deposit would take the balance over its limit." },
								]);
							}
							account.balance += amount;
							em.create(LedgerEntry, { id: randomUUID(), userId, type: "CREDIT", amount, orderId: null });
							await em.flush();
							return { balance: account.balance };
						}),
					),
				);
				return result;
			},
		},

		/** Ledger entries of the user, newest first. */
		listTransactions: {
			params: { userId: userIdRule, limit: pageRule("limit", 1000, 100), $$strict: true },
			async handler(this: PaymentsThis, ctx: Context<{ userId: string; limit: number }>) {
				const em = this.fork();
				const account = await em.findOne(Account, { userId: ctx.params.userId });
				if (!account) throw notFound("ACCOUNT_NOT_FOUND", "This user has no account.");
				const entries = await em.find(
					LedgerEntry,
					{ userId: ctx.params.userId },
					{ orderBy: { createdAt: "desc", id: "desc" }, limit: ctx.params.limit },
				);
				return entries.map(toLedgerView);
			},
		},
	},

	methods: {
		/**
		 * Pays for a batch of orders, each once, in one statement. The Payment row keyed by order id
		 * makes a second OrderCreated for the same order (redelivered, or under a new envelope id) a
		 * no-op, and a concurrent batch deciding it first a unique-key conflict that reruns this one; the
		 * unique DEBIT-per-order index is the last guard; the account's version makes a concurrent
		 * top-up retry instead of being lost. Accounts and earlier payments are read once for the
		 * whole batch; one user's orders are decided in arrival order against the running balance.
		 */
		async payForOrders(this: PaymentsThis, em: SqlEntityManager, deliveries: Delivery[], record: SqlWrite): Promise<Applied> {
			const orders = deliveries.map(delivery => ({ delivery, data: delivery.event.data as OrderCreatedData }));
			const { accounts, decided } = await readBatch(
				em,
				orders.map(o => o.data.orderId),
				[...new Set(orders.map(o => o.data.userId))],
			);
			// One user's orders are decided in arrival order against the running balance.
			const balances = new Map([...accounts].map(([key, account]) => [key, account.balance]));
			const payments: PaymentRow[] = [];
			const debits: DebitRow[] = [];
			const events: OutboxEntry[] = [];
			for (const { delivery, data } of orders) {
				const { orderId, userId, amount } = data;
				if (decided.has(uuidKey(orderId))) {
					runInTraceScope(delivery.trace, () => this.logger.debug(`order ${orderId} was already decided; OrderCreated ${delivery.event.id} ignored`));
					continue;
				}
				decided.add(uuidKey(orderId));
				const balance = balances.get(uuidKey(userId));
				const decision = decidePayment(balance === undefined ? null : { balance }, amount);
				if (decision.outcome === "SUCCEEDED") {
					balances.set(uuidKey(userId), decision.balanceAfter);
					debits.push({ id: randomUUID(), userId, amount, orderId });
					payments.push({ orderId, userId, amount, outcome: "SUCCEEDED", reason: null });
				} else {
					payments.push({ orderId, userId, amount, outcome: "FAILED", reason: decision.reason });
				}
				events.push({
					topic: PAYMENTS_TOPIC,
					key: userId,
					headers: delivery.causedHeaders,
					event:
						decision.outcome === "SUCCEEDED"
							? createEnvelope({ source: "gozon/payments", type: PAYMENT_SUCCEEDED, subject: orderId, data: { orderId, userId, amount } })
							: createEnvelope({
									source: "gozon/payments",
									type: PAYMENT_FAILED,
									subject: orderId,
									data: { orderId, userId, amount, reason: decision.reason },
								}),
				});
			}
			// The inbox rows, decisions, debits, balances and outbox rows in ONE statement, with no
			// transaction around it; a balance that moved on since the read refuses it all, and the
			// batch runs again.
			const now = new Date();
			const outboxRows = outboxRowsOf(events);
			const written = await writeBalances(
				em,
				[...accounts].flatMap(([key, account]) => {
					const balance = balances.get(key)!;
					return balance === account.balance ? [] : [{ userId: account.userId, version: account.version, balance }];
				}),
				[
					{ name: "recorded", ...record },
					...insertPayments(payments, now),
					...insertDebits(debits, now),
					...(outboxRows.length > 0 ? [{ name: "events", ...outboxInsert(outboxRows, this.relay.leaseForNewRows()) }] : []),
				],
			);
			const sent = withSeqs(outboxRows, (written.events ?? []) as { seq: number; id: string }[]);
			return {
				fresh: (written.recorded as { event_id: string }[]).map(row => row.event_id),
				afterCommit: sent.length > 0 ? () => this.relay.publishCommitted(sent) : undefined,
			};
		},
	},
};

export default PaymentsService;
