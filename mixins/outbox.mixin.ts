/**
 * Transactional outbox with its relay. A service writes its events with the state change they
 * announce, so that both commit or neither: `this.relay.enqueue(em, entries)` inside its
 * transaction, or `outboxInsertFrom` as a data-modifying CTE of the very statement that makes the
 * change, leased with `this.relay.leaseForNewRows()`. Either way it hands the written rows to
 * `this.relay.publishCommitted` once they have committed, and this mixin's relay sends them
 * straight away; rows nobody hands over are claimed from the table.
 */
import type { ServiceSchema } from "moleculer";
import { config } from "../infra/config.js";
import { acquireEventLog, describeEventLog, releaseEventLog } from "../infra/eventlog/shared-event-log.js";
import { readOutboxBacklog, type OutboxBacklog } from "./outbox/outbox-backlog.js";
import { OutboxRelay } from "./outbox/outbox-relay.js";

export interface OutboxMethods {
	relay: OutboxRelay;
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
