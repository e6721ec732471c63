/**
 * The event log of the single-process embedded mode. publish() resolves only after every
 * consumer group has handled the message (its inbox transaction committed), so the relay marks
 * a row published only once it is safely applied: a crash at any point leaves the row in the
 * outbox to be delivered again, and the inbox drops the repeat. Topics nobody consumes (the
 * DLQs) keep their messages in memory for inspection.
 */
import type { ConsumeOptions, EventLog, IncomingMessage, OutgoingMessage, Subscription } from "./event-log.js";

export class NoConsumerYetError extends Error {
	constructor(topic: string) {
		super(`no consumer is subscribed to ${topic} yet`);
		this.name = "NoConsumerYetError";
	}
}

interface Group {
	options: ConsumeOptions;
	/** Serialises deliveries per group, as one Kafka partition would. */
	tail: Promise<void>;
}

const UNCONSUMED_TOPIC_SUFFIX = ".dlq";

export class InProcessEventLog implements EventLog {
	readonly kind = "in-process" as const;
	private readonly groups = new Map<string, Map<string, Group>>();
	private readonly offsets = new Map<string, number>();
	readonly retained = new Map<string, IncomingMessage[]>();

	/**
	 * A message for a topic nobody consumes (yet) concerns that message alone: the relay retries
	 * it with backoff and the rows behind it go on, as with a message Kafka refuses.
	 */
	isMessageError(err: unknown): boolean {
		return err instanceof NoConsumerYetError;
	}

	async publish(messages: OutgoingMessage[]): Promise<void> {
		// One batch per topic, in publish order: a consumer applies it in one transaction, as it
		// does a slice of a Kafka partition.
		const byTopic = new Map<string, IncomingMessage[]>();
		for (const message of messages) {
			const offset = this.offsets.get(message.topic) ?? 0;
			this.offsets.set(message.topic, offset + 1);
			const incoming: IncomingMessage = {
				topic: message.topic,
				partition: 0,
				offset: String(offset),
				key: message.key,
				value: Buffer.isBuffer(message.value) ? message.value : Buffer.from(message.value, "utf8"),
				headers: { ...(message.headers ?? {}) },
			};
			byTopic.set(message.topic, [...(byTopic.get(message.topic) ?? []), incoming]);
		}
		for (const [topic, batch] of byTopic) {
			const groups = [...(this.groups.get(topic)?.values() ?? [])];
			if (groups.length === 0) {
				if (!topic.endsWith(UNCONSUMED_TOPIC_SUFFIX)) throw new NoConsumerYetError(topic);
				this.retained.set(topic, [...(this.retained.get(topic) ?? []), ...batch]);
				continue;
			}
			await Promise.all(groups.map(group => this.deliver(group, batch)));
		}
	}

	private deliver(group: Group, batch: IncomingMessage[]): Promise<void> {
		const run = group.tail.then(() => group.options.handleBatch(batch));
		group.tail = run.catch(() => undefined);
		return run;
	}

	async consume(options: ConsumeOptions): Promise<Subscription> {
		const byGroup = this.groups.get(options.topic) ?? new Map<string, Group>();
		this.groups.set(options.topic, byGroup);
		// A second instance of a group in one process shares the existing delivery chain.
		if (!byGroup.has(options.groupId)) byGroup.set(options.groupId, { options, tail: Promise.resolve() });
		return {
			stop: async () => {
				const group = byGroup.get(options.groupId);
				if (group?.options === options) {
					byGroup.delete(options.groupId);
					await group.tail;
				}
			},
		};
	}

	async ping(): Promise<void> {}

	async close(): Promise<void> {
		this.groups.clear();
	}
}
