/**
 * Group commit for consumers: the slices of several partitions handed over in the same turn of
 * the event loop (one fetch), or while the consumer is busy, are handed to it together, as one
 * batch (one database transaction), instead of one transaction per partition. Each partition's
 * messages stay contiguous and in order, and each caller learns the outcome of the batch its
 * slice went into; a failed batch fails every slice in it, and each is retried by its own
 * partition.
 */
export type BatchHandler<T> = (items: T[]) => Promise<void>;

interface Waiting<T> {
	items: T[];
	resolve(): void;
	reject(err: unknown): void;
}

export function groupBatches<T>(handle: BatchHandler<T>, maxItems: number): BatchHandler<T> {
	const waiting: Waiting<T>[] = [];
	let busy = false;

	async function drain(): Promise<void> {
		while (waiting.length > 0) {
			// Whole slices only, at least one, up to maxItems together.
			const group = [waiting.shift()!];
			let size = group[0].items.length;
			while (waiting.length > 0 && size + waiting[0].items.length <= maxItems) {
				size += waiting[0].items.length;
				group.push(waiting.shift()!);
			}
			try {
				await handle(group.flatMap(g => g.items));
				for (const g of group) g.resolve();
			} catch (err) {
				for (const g of group) g.reject(err);
			}
		}
		busy = false;
	}

	return items =>
		new Promise<void>((resolve, reject) => {
			waiting.push({ items, resolve, reject });
			if (busy) return;
			// KafkaJS hands over the partitions of one fetch (from one broker, with a worker per
			// partition: partitionsConsumedConcurrently) one after another in the same turn of the
			// event loop: starting a turn later puts them all into one transaction, where
			// starting at once gave the first partition a transaction of its own and the rest a
			// second one, after the first had committed.
			busy = true;
			setImmediate(() => void drain());
		});
}
