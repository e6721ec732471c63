/**
 * Transactional outbox with its relay. A service writes its state change and its events in one
 * transaction with `transactionalWithEvents` (or `this.relay.enqueue(em, ...)` inside a
 * transaction it already has); this mixin runs the relay that carries them to the event log and
 * hands it the new rows the moment the transaction commits.
 */
import type { ServiceSchema } from "moleculer";
import { config } from "../infra/config.js";
import { acquireEventLog, describeEventLog, releaseEventLog } from "../infra/eventlog/shared-event-log.js";
import type { SqlEntityManager } from "./orm.mixin.js";
import type { OutboxEntry, OutboxRow } from "./outbox/enqueue-event.js";
import { readOutboxBacklog, type OutboxBacklog } from "./outbox/outbox-backlog.js";
import { OutboxRelay } from "./outbox/outbox-relay.js";

export type EnqueueEvents = (entries: OutboxEntry[]) => Promise<void>;

export interface OutboxMethods {
	relay: OutboxRelay;
	transactionalWithEvents<T>(work: (em: SqlEntityManager, enqueue: EnqueueEvents) => Promise<T>): Promise<T>;
	outboxBacklog(): Promise<OutboxBacklog>;
}

export function outboxMixin(): Partial<ServiceSchema> {
	return {
		async started() {
			await this.openDatabase();
			this.outboxEventLog = acquireEventLog(this.broker.getLogger("eventlog"), `gozon-${this.broker.nodeID}`);
			this.relay = new OutboxRelay({
				db: this.db,
				eventLog: this.outboxEventLog,
				logger: this.logger,
				...config.outbox,
			});
			await this.relay.start();
			this.beforeDatabaseCloses(() => this.stopOutboxRelay());
			this.logger.info(`outbox relay: publishing to ${describeEventLog()}`);
		},
		async stopped() {
			await this.stopOutboxRelay();
		},
		methods: {
			/** Runs `work` in one transaction; the events it enqueues commit with it, then go straight to the relay. */
			async transactionalWithEvents<T>(work: (em: SqlEntityManager, enqueue: EnqueueEvents) => Promise<T>): Promise<T> {
				let written: OutboxRow[] = [];
				const result = await this.transactional(async (em: SqlEntityManager) => {
					written = [];
					return work(em, async entries => {
						written.push(...(await this.relay.enqueue(em, entries)));
					});
				});
				this.relay.publishCommitted(written);
				return result;
			},
			async stopOutboxRelay(): Promise<void> {
				const log = this.outboxEventLog;
				this.outboxEventLog = undefined;
				this.logger.info("outbox relay: stopping");
				await this.relay?.stop();
				this.logger.info("outbox relay: stopped");
				if (log) await releaseEventLog();
			},
			outboxBacklog() {
				return readOutboxBacklog(this.fork());
			},
		},
	};
}
