/**
 * Transactional inbox. The service names a handler method per event type; for every message of
 * its topic this mixin:
 *   1. parses and schema-checks it — anything else goes to `<topic>.dlq` with the reason, and
 *      consumption goes on;
 *   2. in ONE transaction records the envelope id and runs the handler — a duplicate id skips the
 *      handler; a lost race (optimistic lock, unique key) reruns the transaction with jitter;
 *   3. only then lets the event log commit the offset, and runs the handler's after-commit step.
 * Old inbox rows are purged after the retention period; the handlers' own keys (one payment per
 * order, a final order status never changes) keep even a very late duplicate harmless.
 */
import type { ServiceSchema } from "moleculer";
import type { CloudEvent } from "../domain/events/envelope.js";
import type { EventType } from "../domain/events/event-types.js";
import { parseEvent } from "../domain/events/validate-event.js";
import { config } from "../infra/config.js";
import type { IncomingMessage, Subscription } from "../infra/eventlog/event-log.js";
import { acquireEventLog, describeEventLog, releaseEventLog } from "../infra/eventlog/shared-event-log.js";
import { carryTraceToOutbox, consumeTraced } from "../infra/observability/consume-trace.js";
import { METRIC, countMetric } from "../infra/observability/metrics.js";
import { annotateTrace } from "../infra/observability/trace-context.js";
import { deadLetterOf } from "./inbox/dead-letter.js";
import { recordDelivery } from "./inbox/record-delivery.js";
import { retryOnConflict } from "./optimistic-lock/retry-on-conflict.js";
import type { SqlEntityManager } from "./orm.mixin.js";

/** What a handler may ask to run once its transaction has committed (e.g. a live push). */
export type AfterCommit = (() => unknown) | void;
export type InboxHandler = (em: SqlEntityManager, event: CloudEvent) => Promise<AfterCommit>;

export interface InboxOptions {
	topic: string;
	groupId: string;
	/** Event type → name of the service method that applies it. */
	handlers: Partial<Record<EventType, string>>;
}

export interface InboxStats {
	applied: number;
	duplicates: number;
	deadLettered: number;
	conflictRetries: number;
}

export function inboxMixin(opts: InboxOptions): Partial<ServiceSchema> {
	const acceptedTypes = Object.keys(opts.handlers);
	return {
		created() {
			this.inboxStats = { applied: 0, duplicates: 0, deadLettered: 0, conflictRetries: 0 } satisfies InboxStats;
		},
		async started() {
			await this.openDatabase();
			this.inboxEventLog = acquireEventLog(this.broker.getLogger("eventlog"), `gozon-${this.broker.nodeID}`);
			this.inboxSubscription = (await this.inboxEventLog.consume({
				groupId: opts.groupId,
				topic: opts.topic,
				handle: (message: IncomingMessage) => consumeTraced(this, message, () => this.handleInboxMessage(message)),
			})) as Subscription;
			this.logger.info(`inbox: consuming ${opts.topic} from ${describeEventLog()} as ${opts.groupId}`);
			this.inboxPurgeTimer = setInterval(() => {
				this.purgeInbox().catch((err: Error) => this.logger.warn(`inbox purge failed: ${err.message}`));
			}, 10 * 60_000).unref();
			this.beforeDatabaseCloses(() => this.stopInbox());
		},
		async stopped() {
			await this.stopInbox();
		},
		methods: {
			/** Stops consuming; the offset of a message in flight is not committed, so it comes again. */
			async stopInbox(): Promise<void> {
				clearInterval(this.inboxPurgeTimer);
				const subscription = this.inboxSubscription;
				this.inboxSubscription = undefined;
				this.logger.info("inbox: stopping");
				await subscription?.stop();
				this.logger.info("inbox: stopped");
				if (subscription) await releaseEventLog();
			},
			async handleInboxMessage(message: IncomingMessage): Promise<void> {
				const parsed = parseEvent(message.value, acceptedTypes);
				if (!parsed.ok) {
					await this.inboxEventLog.publish([deadLetterOf(message, parsed.reason, opts.groupId)]);
					this.inboxStats.deadLettered++;
					countMetric(this.broker, METRIC.dlqMessages, { service: this.name, topic: message.topic });
					this.logger.warn(`dead-lettered ${message.topic}[${message.partition}]@${message.offset}: ${parsed.reason}`);
					return;
				}
				const event = parsed.event;
				annotateTrace({ orderId: (event.data as { orderId?: string }).orderId });
				const handler = this[opts.handlers[event.type as EventType]!] as InboxHandler;
				const outcome = await retryOnConflict<{ duplicate: true } | { duplicate: false; afterCommit: AfterCommit }>(
					() =>
						this.transactional(async (em: SqlEntityManager) => {
							if (!(await recordDelivery(em, event, message.topic))) return { duplicate: true as const };
							return { duplicate: false as const, afterCommit: await carryTraceToOutbox(this, em, () => handler.call(this, em, event)) };
						}),
					config.optimisticLock,
					{
						onRetry: () => {
							this.inboxStats.conflictRetries++;
							countMetric(this.broker, METRIC.optimisticLockRetries, { service: this.name, source: "inbox" });
						},
					},
				);
				if (outcome.duplicate) {
					this.inboxStats.duplicates++;
					countMetric(this.broker, METRIC.inboxDuplicates, { service: this.name, topic: message.topic });
					this.logger.debug(`duplicate ${event.type} ${event.id} skipped`);
					return;
				}
				this.inboxStats.applied++;
				countMetric(this.broker, METRIC.inboxApplied, { service: this.name, topic: message.topic });
				this.logger.debug(`applied ${event.type} ${event.id} from ${message.topic}[${message.partition}]@${message.offset}`);
				if (outcome.afterCommit) outcome.afterCommit();
			},

			/** Deletes inbox rows past their retention; a late duplicate still meets the handlers' own keys. */
			async purgeInbox(): Promise<void> {
				const em = this.fork() as SqlEntityManager;
				await em.execute(`delete from inbox_messages where received_at < clock_timestamp() - (? || ' milliseconds')::interval`, [
					String(config.inbox.retentionMs),
				]);
			},
		},
	};
}
