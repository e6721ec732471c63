/**
 * Transactional outbox with its relay. A service writes events with `enqueueEvent(em, ...)`
 * inside its own transaction (see outbox/enqueue-event.ts); this mixin runs the relay that
 * carries them to the event log, and wakes it right after a local commit.
 */
import type { ServiceSchema } from "moleculer";
import { config } from "../infra/config.js";
import { acquireEventLog, describeEventLog, releaseEventLog } from "../infra/eventlog/shared-event-log.js";
import { OutboxRelay } from "./outbox/outbox-relay.js";

export interface OutboxMethods {
	relay: OutboxRelay;
	outboxBacklog(): Promise<{ pending: number; parked: number; oldestPendingAgeMs: number | null }>;
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
			async outboxBacklog() {
				const [row] = await this.fork().execute(
					`select count(*) filter (where published_at is null and parked_at is null)::int as pending,
					        count(*) filter (where parked_at is not null)::int as parked,
					        (extract(epoch from clock_timestamp() - min(created_at) filter (where published_at is null and parked_at is null)) * 1000)::bigint as oldest
					   from outbox_messages`,
				);
				return { pending: Number(row.pending), parked: Number(row.parked), oldestPendingAgeMs: row.oldest === null ? null : Number(row.oldest) };
			},
		},
	};
}
