/**
 * Transactional inbox. The service names one handler method for the event types it accepts; for
 * every batch of consecutive messages of its topic (one slice of a partition) this mixin:
 *   1. parses and schema-checks each message — anything else goes to `<topic>.dlq` with the
 *      reason, and consumption goes on;
 *   2. hands the handler the batch, in order, with `record`, the insert of its envelope ids,
 *      which the handler puts into the ONE statement that applies the batch: the events it
 *      returns are applied, the others (redeliveries, or the same id twice in the batch) change
 *      nothing; a lost race (optimistic lock, unique key) reruns the handler with jitter;
 *   3. only then lets the event log commit the offsets, and runs the handler's after-commit step.
 * One statement per batch rather than a transaction per event: under load the commits and the
 * round trips, not the work, are what a database and a service run out of. A batch that fails
 * for another reason is applied one event at a time, so the events ahead of a bad one still get
 * through; it and those behind it wait and are retried, in partition order, as without batching.
 * Old inbox rows are purged after the retention period; the handlers' own keys (one payment per
 * order, a final order status never changes) keep even a very late duplicate harmless.
 */
import type { ServiceSchema } from "moleculer";
import type { CloudEvent } from "../domain/events/envelope.js";
import type { EventType } from "../domain/events/event-types.js";
import { parseEvent } from "../domain/events/validate-event.js";
import { uuidKey } from "../domain/uuid-key.js";
import { config } from "../infra/config.js";
import type { IncomingMessage, Subscription } from "../infra/eventlog/event-log.js";
import { acquireEventLog, describeEventLog, releaseEventLog } from "../infra/eventlog/shared-event-log.js";
import { openConsumeTrace, type ConsumeTrace } from "../infra/observability/consume-trace.js";
import { METRIC, countMetric } from "../infra/observability/metrics.js";
import { runInTraceScope, type TraceScope } from "../infra/observability/trace-context.js";
import { deadLetterOf } from "./inbox/dead-letter.js";
import { recordDeliveries } from "./inbox/record-deliveries.js";
import { retryOnConflict } from "./optimistic-lock/retry-on-conflict.js";
import type { SqlEntityManager, SqlWrite } from "./orm.mixin.js";

/** What a handler may ask to run once its statement has committed (e.g. a live push). */
export type AfterCommit = (() => unknown) | void;

/** A received event, as its handler receives it. */
export interface Delivery {
	event: CloudEvent;
	/** The event's trace, with its order id: log lines about it belong there. */
	trace: TraceScope;
	/** Headers for the outbox rows of the events it causes: they join its trace. */
	causedHeaders: Record<string, string>;
}

/** What the handler's statement did. */
export interface Applied {
	/** The envelope ids `record` returned: the events seen for the first time. */
	fresh: string[];
	afterCommit?: AfterCommit;
}

/**
 * Applies a batch, in order, as a unit of work that commits in ONE statement of the handler's
 * making. That statement carries `record` (the inbox insert, a data-modifying CTE that returns
 * `event_id` of each event not seen before), and an event seen before changes nothing in it:
 * its effect depends on `record`'s ids, or on a key of the handler's own (one payment per
 * order). The handler may read first; a lost race reruns it whole.
 */
export type InboxHandler = (em: SqlEntityManager, deliveries: Delivery[], record: SqlWrite) => Promise<Applied>;

export interface InboxOptions {
	topic: string;
	groupId: string;
	/** The event types the handler applies; any other type is dead-lettered. */
	accepts: EventType[];
	/** Name of the service method (an InboxHandler) that applies them. */
	handler: string;
}

export interface InboxStats {
	applied: number;
	duplicates: number;
	deadLettered: number;
	conflictRetries: number;
	/** Statements the applied events took (applied / batches = mean batch size). */
	batches: number;
}

interface Received {
	message: IncomingMessage;
	event: CloudEvent;
	trace: ConsumeTrace;
}

/** What one committed inbox statement did. */
interface BatchOutcome {
	applied: Received[];
	duplicates: Received[];
	afterCommit: AfterCommit;
}

export function inboxMixin(opts: InboxOptions): Partial<ServiceSchema> {
	return {
		created() {
			this.inboxStats = { applied: 0, duplicates: 0, deadLettered: 0, conflictRetries: 0, batches: 0 } satisfies InboxStats;
		},
		async started() {
			await this.openDatabase();
			this.inboxEventLog = acquireEventLog(this.broker.getLogger("eventlog"), `gozon-${this.broker.nodeID}`);
			this.inboxSubscription = (await this.inboxEventLog.consume({
				groupId: opts.groupId,
				topic: opts.topic,
				handleBatch: (messages: IncomingMessage[]) => this.handleInboxBatch(messages),
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
			/** Stops consuming; the offsets of messages in flight are not committed, so they come again. */
			async stopInbox(): Promise<void> {
				clearInterval(this.inboxPurgeTimer);
				const subscription = this.inboxSubscription;
				this.inboxSubscription = undefined;
				this.logger.info("inbox: stopping");
				await subscription?.stop();
				this.logger.info("inbox: stopped");
				if (subscription) await releaseEventLog();
			},

			async handleInboxBatch(messages: IncomingMessage[]): Promise<void> {
				const received: Received[] = [];
				const poison: { message: IncomingMessage; reason: string }[] = [];
				for (const message of messages) {
					const parsed = parseEvent(message.value, opts.accepts);
					if (!parsed.ok) poison.push({ message, reason: parsed.reason });
					else {
						const trace = openConsumeTrace(this, message);
						trace.scope.orderId = (parsed.event.data as { orderId?: string }).orderId;
						received.push({ message, event: parsed.event, trace });
					}
				}
				try {
					await this.applyInboxBatch(received, (outcome: BatchOutcome) => this.afterInboxCommit(outcome));
				} catch (err) {
					received.forEach(r => r.trace.finish(err as Error));
					throw err;
				}
				received.forEach(r => r.trace.finish());
				// After the commit, so a retried batch does not dead-letter the same message twice
				// unless publishing the dead letters itself failed.
				if (poison.length > 0) await this.deadLetter(poison);
			},

			/**
			 * Applies the batch in one statement; when that fails, one event at a time, stopping at
			 * the first that fails. `committed` runs after each statement that committed.
			 */
			async applyInboxBatch(received: Received[], committed: (outcome: BatchOutcome) => void): Promise<void> {
				if (received.length === 0) return;
				try {
					committed(await this.applyInOneStatement(received));
				} catch (err) {
					if (received.length === 1) throw err;
					this.logger.warn(`applying ${received.length} events together failed (${(err as Error).message}); applying them one by one`);
					for (const one of received) committed(await this.applyInOneStatement([one]));
				}
			},

			/** Counts, logs and runs the handler's after-commit step for one committed statement. */
			afterInboxCommit(outcome: BatchOutcome): void {
				this.inboxStats.batches++;
				for (const { message, event, trace } of outcome.duplicates) {
					this.inboxStats.duplicates++;
					countMetric(this.broker, METRIC.inboxDuplicates, { service: this.name, topic: message.topic });
					runInTraceScope(trace.scope, () => this.logger.debug(`duplicate ${event.type} ${event.id} skipped`));
				}
				for (const { message, event, trace } of outcome.applied) {
					this.inboxStats.applied++;
					countMetric(this.broker, METRIC.inboxApplied, { service: this.name, topic: message.topic });
					runInTraceScope(trace.scope, () =>
						this.logger.debug(`applied ${event.type} ${event.id} from ${message.topic}[${message.partition}]@${message.offset}`),
					);
				}
				if (outcome.afterCommit) outcome.afterCommit();
			},

			async applyInOneStatement(received: Received[]): Promise<BatchOutcome> {
				const handler = this[opts.handler] as InboxHandler;
				const deliveries = received.map(({ event, trace }) => ({ event, trace: trace.scope, causedHeaders: trace.causedHeaders }));
				const record = recordDeliveries(received.map(r => r.event), opts.topic);
				return retryOnConflict(
					async () => {
						const { fresh, afterCommit } = await handler.call(this, this.fork(), deliveries, record);
						const unseen = new Set(fresh.map(uuidKey));
						const applied: Received[] = [];
						const duplicates: Received[] = [];
						for (const r of received) {
							// delete(): the same id twice in one batch is applied once.
							if (unseen.delete(uuidKey(r.event.id))) applied.push(r);
							else duplicates.push(r);
						}
						return { applied, duplicates, afterCommit };
					},
					config.optimisticLock,
					{
						onRetry: () => {
							this.inboxStats.conflictRetries++;
							countMetric(this.broker, METRIC.optimisticLockRetries, { service: this.name, source: "inbox" });
						},
					},
				);
			},

			async deadLetter(poison: { message: IncomingMessage; reason: string }[]): Promise<void> {
				await this.inboxEventLog.publish(poison.map(p => deadLetterOf(p.message, p.reason, opts.groupId)));
				for (const { message, reason } of poison) {
					this.inboxStats.deadLettered++;
					countMetric(this.broker, METRIC.dlqMessages, { service: this.name, topic: message.topic });
					this.logger.warn(`dead-lettered ${message.topic}[${message.partition}]@${message.offset}: ${reason}`);
				}
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
