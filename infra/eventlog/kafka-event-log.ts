/**
 * The Kafka edge: an idempotent producer for the outbox relays and consumer groups for the
 * inboxes. Connecting is lazy and self-healing, so a service starts, takes orders and writes its
 * outbox while Kafka is down; the relay publishes once the broker answers again.
 */
// Before kafkajs: its producer takes the partition grouping when it loads.
import "./kafkajs-linear-grouping.js";
import { logLevel, Partitioners, type Admin, type Consumer, type EachBatchPayload, type Kafka, type LogEntry, type Producer } from "kafkajs";
import { backoffDelay, sleep } from "./backoff.js";
import { groupBatches } from "./group-batches.js";
import { kafkaClient } from "./kafka-client.js";
import type { ConsumeOptions, EventLog, IncomingMessage, OutgoingMessage, Subscription } from "./event-log.js";

interface Logger {
	info(...args: unknown[]): void;
	warn(...args: unknown[]): void;
	debug(...args: unknown[]): void;
}

export interface KafkaEventLogOptions {
	brokers: string[];
	clientId: string;
	/** Topics created with `partitions` partitions on first use, so consumer groups can share work. */
	topics: string[];
	partitions: number;
	logger: Logger;
	/**
	 * Prepended to every topic and consumer group, so several deployments (a benchmark beside a
	 * running stack, say) can share one Kafka cluster without consuming each other's events.
	 */
	topicPrefix?: string;
	/** Most messages handed to a consumer at once (one database transaction each). */
	maxBatch?: number;
}

/** Broker errors about one message (as opposed to the broker being unreachable). */
const MESSAGE_ERROR_TYPES = new Set([
	"MESSAGE_TOO_LARGE",
	"RECORD_LIST_TOO_LARGE",
	"INVALID_RECORD",
	"CORRUPT_MESSAGE",
	"INVALID_TOPIC_EXCEPTION",
	"INVALID_REQUIRED_ACKS",
]);

function unwrap(err: unknown): unknown[] {
	const chain: unknown[] = [];
	let current: unknown = err;
	while (current && chain.length < 10) {
		chain.push(current);
		const next = current as { cause?: unknown; errors?: unknown[] };
		if (Array.isArray(next.errors)) chain.push(...next.errors);
		current = next.cause;
	}
	return chain;
}

const OUTAGE_NOISE = [
	"Connection error",
	"Failed to connect to seed broker",
	"Crash: KafkaJS",
	"Restarting the consumer",
	"Response Heartbeat",
	"Response JoinGroup",
	"Response SyncGroup",
	"Response OffsetCommit",
	"Response InitProducerId",
	"Response Metadata",
	"Request Metadata",
	"Connection timeout",
	"The group is rebalancing",
];

function kafkaLogCreator(logger: Logger) {
	return () =>
		({ level, log }: LogEntry) => {
			const text = `kafka ${log.message}${log.error ? `: ${log.error}` : ""}`;
			// Retries are bounded on purpose: the relay owns the long retry, and the inboxes absorb
			// the duplicates a retry can cause, so this warning says nothing new.
			if (log.message.startsWith("Limiting retries for the idempotent producer")) logger.debug(text);
			// While the broker is down kafkajs reports every failed connection; the relay and the
			// consumers report the outage themselves, once, so these stay at debug level.
			else if (OUTAGE_NOISE.some(prefix => log.message.startsWith(prefix))) logger.debug(text);
			else if (level <= logLevel.WARN) logger.warn(text);
			else logger.debug(text);
		};
}

export class KafkaEventLog implements EventLog {
	readonly kind = "kafka" as const;
	private readonly kafka: Kafka;
	private producer: Producer | undefined;
	private producerReady: Promise<Producer> | undefined;
	private topicsReady: Promise<void> | undefined;
	private readonly subscriptions = new Set<KafkaSubscription>();

	constructor(private readonly opts: KafkaEventLogOptions) {
		this.kafka = kafkaClient({
			clientId: opts.clientId,
			brokers: opts.brokers,
			connectionTimeout: 3000,
			requestTimeout: 10_000,
			// Fail a call fast; the relay and consumers own the long waits with their own backoff.
			retry: { retries: 3, initialRetryTime: 100, maxRetryTime: 1000 },
			logLevel: logLevel.WARN,
			logCreator: kafkaLogCreator(opts.logger),
		});
	}

	isMessageError(err: unknown): boolean {
		return unwrap(err).some(e => MESSAGE_ERROR_TYPES.has((e as { type?: string }).type ?? ""));
	}

	private get prefix(): string {
		return this.opts.topicPrefix ?? "";
	}

	async publish(messages: OutgoingMessage[]): Promise<void> {
		if (messages.length === 0) return;
		const producer = await this.connectProducer();
		const byTopic = new Map<string, OutgoingMessage[]>();
		for (const m of messages) {
			const topic = this.prefix + m.topic;
			const list = byTopic.get(topic);
			if (list) list.push(m);
			else byTopic.set(topic, [m]);
		}
		try {
			await producer.sendBatch({
				acks: -1,
				topicMessages: [...byTopic].map(([topic, list]) => ({
					topic,
					messages: list.map(m => ({ key: m.key, value: m.value, headers: m.headers })),
				})),
			});
		} catch (err) {
			// A fresh producer after an outage avoids kafkajs's stale-connection states.
			if (!this.isMessageError(err)) await this.resetProducer();
			throw err;
		}
	}

	async consume(options: ConsumeOptions): Promise<Subscription> {
		const subscription = new KafkaSubscription(
			this.kafka,
			options,
			this.prefix,
			() => this.ensureTopics(),
			this.opts.partitions,
			this.opts.maxBatch ?? 250,
			this.opts.logger,
		);
		this.subscriptions.add(subscription);
		subscription.start();
		return {
			stop: async () => {
				this.subscriptions.delete(subscription);
				await subscription.stop();
			},
		};
	}

	async ping(): Promise<void> {
		const admin = this.kafka.admin({ retry: { retries: 0 } });
		try {
			await admin.connect();
			await admin.describeCluster();
		} finally {
			await admin.disconnect().catch(() => undefined);
		}
	}

	async close(): Promise<void> {
		await Promise.all([...this.subscriptions].map(s => s.stop()));
		this.subscriptions.clear();
		await this.resetProducer();
	}

	private connectProducer(): Promise<Producer> {
		this.producerReady ??= (async () => {
			await this.ensureTopics();
			const producer = this.kafka.producer({
				idempotent: true,
				maxInFlightRequests: 1,
				allowAutoTopicCreation: true,
				createPartitioner: Partitioners.DefaultPartitioner,
				retry: { retries: 3, initialRetryTime: 100, maxRetryTime: 1000 },
			});
			await producer.connect();
			this.producer = producer;
			return producer;
		})().catch(err => {
			this.producerReady = undefined;
			throw err;
		});
		return this.producerReady;
	}

	private async resetProducer(): Promise<void> {
		const producer = this.producer;
		this.producer = undefined;
		this.producerReady = undefined;
		await producer?.disconnect().catch(() => undefined);
	}

	/** Creates the shop's topics with enough partitions for consumer groups to share the work. */
	private ensureTopics(): Promise<void> {
		this.topicsReady ??= (async () => {
			const admin: Admin = this.kafka.admin();
			try {
				await admin.connect();
				const existing = new Set(await admin.listTopics());
				const missing = this.opts.topics.map(t => this.prefix + t).filter(t => !existing.has(t));
				if (missing.length > 0) {
					await admin.createTopics({
						waitForLeaders: true,
						topics: missing.map(topic => ({ topic, numPartitions: this.opts.partitions, replicationFactor: 1 })),
					});
				}
			} finally {
				await admin.disconnect().catch(() => undefined);
			}
		})().catch(err => {
			this.topicsReady = undefined;
			throw err;
		});
		return this.topicsReady;
	}
}

const OFFSET_COMMIT_INTERVAL_MS = 1000;

class KafkaSubscription {
	private consumer: Consumer | undefined;
	/** Per partition, the offset after the last handled message, not yet committed. */
	private readonly handled = new Map<string, { topic: string; partition: number; offset: string }>();
	private lastCommit = 0;
	/** The consumer's handler, fed the slices of all partitions that wait at once as one batch. */
	private readonly handleGrouped: (messages: IncomingMessage[]) => Promise<void>;
	private stopped = false;
	private running: Promise<void> | undefined;

	constructor(
		private readonly kafka: Kafka,
		private readonly options: ConsumeOptions,
		private readonly prefix: string,
		private readonly ensureTopics: () => Promise<void>,
		private readonly concurrency: number,
		private readonly maxBatch: number,
		private readonly logger: Logger,
	) {
		this.handleGrouped = groupBatches(messages => this.options.handleBatch(messages), maxBatch);
	}

	start(): void {
		this.running = this.connectLoop();
	}

	async stop(): Promise<void> {
		this.stopped = true;
		const consumer = this.consumer;
		// Whatever was handled is committed before leaving, so the next owner starts after it.
		if (consumer) await this.commitHandled(consumer);
		await consumer?.disconnect().catch(() => undefined);
		await this.running;
	}

	/** Keeps trying to join the group until it runs; kafkajs then heals broker restarts itself. */
	private async connectLoop(): Promise<void> {
		for (let failures = 0; !this.stopped; ) {
			const consumer = this.kafka.consumer({
				groupId: this.prefix + this.options.groupId,
				// A member that died (kill -9, a broker restart) holds its partitions until its
				// session expires; 10 s bounds that pause.
				sessionTimeout: 10_000,
				rebalanceTimeout: 20_000,
				heartbeatInterval: 1000,
				maxWaitTimeInMs: 250,
				retry: { retries: 5, initialRetryTime: 200, maxRetryTime: 2000 },
			});
			this.consumer = consumer;
			try {
				// After a rebalance the partitions may be someone else's: their pending offsets go.
				consumer.on(consumer.events.GROUP_JOIN, () => this.handled.clear());
				consumer.on(consumer.events.CRASH, ({ payload }) => {
					if (!payload.restart && !this.stopped) {
						this.logger.warn(`consumer ${this.options.groupId} crashed for good, rejoining: ${payload.error.message}`);
						void consumer.disconnect().catch(() => undefined).then(() => this.start());
					}
				});
				await this.ensureTopics();
				await consumer.connect();
				await consumer.subscribe({ topic: this.prefix + this.options.topic, fromBeginning: true });
				await consumer.run({
					autoCommit: false,
					eachBatchAutoResolve: false,
					partitionsConsumedConcurrently: this.concurrency,
					eachBatch: payload => this.eachBatch(consumer, payload),
				});
				this.logger.info(`consuming ${this.options.topic} as group ${this.options.groupId}`);
				return;
			} catch (err) {
				failures++;
				this.logger.warn(`cannot consume ${this.options.topic} yet (${(err as Error).message}); retrying`);
				await consumer.disconnect().catch(() => undefined);
				await sleep(backoffDelay(failures));
			}
		}
	}

	/**
	 * Hands the fetched messages to the consumer in slices of at most `maxBatch`, in order; after
	 * each slice is handled (its database transaction committed) the offset moves past it. The
	 * offset is committed to Kafka at most once a second (and when this member stops): a member
	 * that dies in between leaves at most a second of messages to be delivered again, which the
	 * inbox recognises, and a busy consumer does not pay a broker round trip per slice.
	 */
	private async eachBatch(consumer: Consumer, { batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
		const logicalTopic = batch.topic.slice(this.prefix.length);
		for (let from = 0; from < batch.messages.length; from += this.maxBatch) {
			if (!isRunning() || isStale() || this.stopped) break;
			const slice = batch.messages.slice(from, from + this.maxBatch).map(
				(message): IncomingMessage => ({
					// Handlers and dead letters speak of the logical topic; the prefix stays at this edge.
					topic: logicalTopic,
					partition: batch.partition,
					offset: message.offset,
					key: message.key ? message.key.toString("utf8") : null,
					value: message.value,
					headers: Object.fromEntries(
						Object.entries(message.headers ?? {}).map(([k, v]) => [k, Array.isArray(v) ? String(v[0]) : String(v ?? "")]),
					),
				}),
			);
			await this.handleUntilDone(slice, heartbeat, isRunning);
			const last = slice[slice.length - 1].offset;
			resolveOffset(last);
			this.handled.set(`${batch.topic}:${batch.partition}`, { topic: batch.topic, partition: batch.partition, offset: (BigInt(last) + 1n).toString() });
			await heartbeat();
		}
		if (Date.now() - this.lastCommit >= OFFSET_COMMIT_INTERVAL_MS || !isRunning() || isStale() || this.stopped) await this.commitHandled(consumer);
	}

	/**
	 * Commits the offsets past every handled message. A refused commit (the group rebalanced
	 * meanwhile, say) is let go: those messages come again to whoever owns them, and the inbox
	 * skips them.
	 */
	private async commitHandled(consumer: Consumer): Promise<void> {
		if (this.handled.size === 0) return;
		const offsets = [...this.handled.values()];
		this.handled.clear();
		this.lastCommit = Date.now();
		await consumer.commitOffsets(offsets).catch((err: Error) => this.logger.debug(`offset commit for ${this.options.topic} refused: ${err.message}`));
	}

	/** A handler failure (database down, say) is retried on the same messages: nothing is skipped. */
	private async handleUntilDone(messages: IncomingMessage[], heartbeat: () => Promise<void>, isRunning: () => boolean): Promise<void> {
		for (let failures = 0; ; ) {
			try {
				await this.handleGrouped(messages);
				return;
			} catch (err) {
				failures++;
				if (this.stopped || !isRunning()) throw err;
				const first = messages[0];
				this.logger.warn(
					`handling ${messages.length} message(s) from ${first.topic}[${first.partition}]@${first.offset} failed (${(err as Error).message}); retry ${failures}`,
				);
				await sleep(backoffDelay(failures));
				await heartbeat().catch(() => undefined);
			}
		}
	}
}
