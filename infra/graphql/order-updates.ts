/**
 * Live order updates on one gateway instance. The orders service broadcasts each status change
 * on the mesh (`orders.updated`, the order view with its userId); every gateway receives it and
 * hands it here, and this hub passes it on to the subscriptions of that user only.
 */
import type { OrderView } from "../../domain/orders/order.entity.js";
import { UUID_PATTERN } from "../action-params.js";

export type OrderUpdate = OrderView;

/** Updates a subscriber may fall behind by before its subscription is ended. */
const MAX_PENDING = 1000;

interface Subscriber {
	orderId?: string;
	push(update: OrderUpdate): void;
}

export class SlowSubscriberError extends Error {
	constructor() {
		super(`The subscription fell more than ${MAX_PENDING} updates behind and was ended; subscribe again and re-read the orders.`);
		this.name = "SlowSubscriberError";
	}
}

export function isOrderUpdate(payload: unknown): payload is OrderUpdate {
	const p = payload as Partial<OrderUpdate> | null;
	return (
		typeof p === "object" &&
		p !== null &&
		typeof p.id === "string" &&
		typeof p.userId === "string" &&
		UUID_PATTERN.test(p.userId) &&
		typeof p.status === "string"
	);
}

export class OrderUpdateHub {
	private readonly byUser = new Map<string, Set<Subscriber>>();

	/** Subscriptions open on this gateway instance. */
	get size(): number {
		let n = 0;
		for (const set of this.byUser.values()) n += set.size;
		return n;
	}

	/** Delivers an update to the subscribers of its user; returns how many received it. */
	publish(update: OrderUpdate): number {
		const subscribers = this.byUser.get(update.userId.toLowerCase());
		if (!subscribers) return 0;
		let delivered = 0;
		for (const subscriber of [...subscribers]) {
			if (subscriber.orderId && subscriber.orderId !== update.id.toLowerCase()) continue;
			subscriber.push(update);
			delivered++;
		}
		return delivered;
	}

	/**
	 * An async iterator of the user's order updates (of one order when orderId is given), from
	 * now until the consumer returns. Updates wait in a bounded queue while the consumer is busy.
	 */
	subscribe(userId: string, orderId?: string): AsyncIterableIterator<OrderUpdate> {
		const key = userId.toLowerCase();
		const queue: OrderUpdate[] = [];
		let waiting: { resolve: (r: IteratorResult<OrderUpdate>) => void; reject: (e: unknown) => void } | null = null;
		let failure: Error | null = null;
		let done = false;

		const detach = () => {
			const set = this.byUser.get(key);
			if (!set) return;
			set.delete(subscriber);
			if (set.size === 0) this.byUser.delete(key);
		};
		const finish = () => {
			done = true;
			queue.length = 0;
			detach();
		};
		const subscriber: Subscriber = {
			orderId: orderId?.toLowerCase(),
			push: update => {
				if (done) return;
				if (waiting) {
					const w = waiting;
					waiting = null;
					w.resolve({ value: update, done: false });
				} else if (queue.length >= MAX_PENDING) {
					failure = new SlowSubscriberError();
					detach();
				} else {
					queue.push(update);
				}
			},
		};
		let set = this.byUser.get(key);
		if (!set) this.byUser.set(key, (set = new Set()));
		set.add(subscriber);

		const iterator: AsyncIterableIterator<OrderUpdate> = {
			next: () => {
				if (queue.length > 0) return Promise.resolve({ value: queue.shift()!, done: false });
				if (failure) {
					const err = failure;
					finish();
					return Promise.reject(err);
				}
				if (done) return Promise.resolve({ value: undefined, done: true });
				return new Promise((resolve, reject) => {
					waiting = { resolve, reject };
				});
			},
			return: () => {
				finish();
				if (waiting) {
					const w = waiting;
					waiting = null;
					w.resolve({ value: undefined, done: true });
				}
				return Promise.resolve({ value: undefined, done: true });
			},
			throw: (err?: unknown) => {
				finish();
				return Promise.reject(err);
			},
			[Symbol.asyncIterator]() {
				return iterator;
			},
		};
		return iterator;
	}
}
