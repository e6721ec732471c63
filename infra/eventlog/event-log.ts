/**
 * The edge between Gozon's delivery machinery and the log that carries its events. The outbox
 * relay publishes through it and the inbox consumes through it; Kafka and the in-process bus
 * are two implementations of the same contract.
 */
export interface OutgoingMessage {
	topic: string;
	key: string | null;
	value: string | Buffer;
	headers?: Record<string, string>;
}

export interface IncomingMessage {
	topic: string;
	partition: number;
	offset: string;
	key: string | null;
	value: Buffer | null;
	headers: Record<string, string>;
}

export interface ConsumeOptions {
	groupId: string;
	topic: string;
	/**
	 * Called with consecutive messages of one or more partitions (each partition's together and
	 * in partition order: Kafka hands over what one fetch brought), so a consumer can apply them
	 * in one database transaction. The log moves past them (and commits their offsets) only after
	 * this resolves; when it throws, the same messages come again.
	 */
	handleBatch(messages: IncomingMessage[]): Promise<void>;
}

export interface Subscription {
	stop(): Promise<void>;
}

export interface EventLog {
	readonly kind: "kafka" | "in-process";
	/** Publishes all messages or throws; a thrown error says whether the log itself is down. */
	publish(messages: OutgoingMessage[]): Promise<void>;
	consume(options: ConsumeOptions): Promise<Subscription>;
	/** Throws when the log cannot be reached. */
	ping(): Promise<void>;
	/** True when an error from publish() concerns the message itself, not the log being down. */
	isMessageError(err: unknown): boolean;
	close(): Promise<void>;
}
