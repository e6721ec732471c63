/** Places benchmark orders through the gateway and reads back how long each took to settle. */
import { randomUUID } from "node:crypto";
import { httpPoster } from "../http-get.js";
import { closedLoop, openLoop, percentile, rate } from "../load.js";
import type { Observer } from "./observer.js";

export async function fundUsers(gateway: string, count: number): Promise<string[]> {
	const post = httpPoster(gateway, 16);
	const users = Array.from({ length: count }, () => randomUUID());
	for (let i = 0; i < users.length; i += 16) {
		await Promise.all(
			users.slice(i, i + 16).map(async u => {
				await post("/api/accounts", {}, { "x-user-id": u });
				const res = await post("/api/accounts/me/deposits", { amount: 1_000_000_000 }, { "x-user-id": u });
				if (res.status !== 200) throw new Error(`deposit failed: ${res.status} ${res.body}`);
			}),
		);
	}
	return users;
}

function orderPlacer(gateway: string, users: string[], sockets: number) {
	const post = httpPoster(gateway, sockets);
	const sentAt = new Map<string, number>();
	let i = 0;
	const place = async () => {
		const userId = users[i++ % users.length];
		const t = performance.now();
		const res = await post("/api/orders", { amount: 1, description: "bench" }, { "x-user-id": userId });
		if (res.status !== 201) throw new Error(`HTTP ${res.status}`);
		const id: string = JSON.parse(res.body).id;
		sentAt.set(id, t);
		return id;
	};
	return { place, sentAt };
}

/** Waits for every order to settle; returns how many did not within `timeoutMs`. */
async function drain(observer: Observer, ids: Iterable<string>, timeoutMs: number, onTick?: (text: string) => void): Promise<number> {
	const wanted = [...ids];
	const deadline = performance.now() + timeoutMs;
	for (let round = 0; performance.now() < deadline; round++) {
		const missing = wanted.filter(id => !observer.settledAt.has(id));
		if (missing.length === 0) return 0;
		onTick?.(`waiting for the last orders: ${wanted.length - missing.length}/${wanted.length} settled`);
		if (round % 10 === 9) await observer.reconcile(missing);
		await new Promise(resolve => setTimeout(resolve, 200));
	}
	return wanted.filter(id => !observer.settledAt.has(id)).length;
}

/** Saturation: many clients place orders back to back; counts orders reaching a final status. */
export async function measureThroughput(opts: { gateway: string; users: string[]; observer: Observer; concurrency: number; durationMs: number; warmupMs: number; onTick?: (text: string) => void }) {
	const placer = orderPlacer(opts.gateway, opts.users, opts.concurrency);
	const t0 = performance.now();
	const load = await closedLoop(opts.concurrency, opts.durationMs, placer.place, () => {
		const settled = [...placer.sentAt.keys()].filter(id => opts.observer.settledAt.has(id)).length;
		opts.onTick?.(`end-to-end: ${placer.sentAt.size} placed, ${settled} settled, ${Math.round(rate(settled, performance.now() - t0))}/s`);
	});
	const windowStart = t0 + opts.warmupMs;
	const windowEnd = t0 + load.durationMs;
	const unsettled = await drain(opts.observer, placer.sentAt.keys(), 120_000, opts.onTick);
	const settledInWindow = [...placer.sentAt.keys()].filter(id => {
		const at = opts.observer.settledAt.get(id);
		return at !== undefined && at >= windowStart && at <= windowEnd;
	}).length;
	return {
		ordersPerSecond: rate(settledInWindow, windowEnd - windowStart),
		createdPerSecond: rate(load.ok, load.durationMs),
		placed: load.ok,
		httpErrors: load.errors,
		unsettled,
	};
}

/** How long a fixed rate runs, uncounted, before its latency is measured (`measureLatency`). */
export const LATENCY_WARMUP_MS = 3000;

/**
 * Fixed offered rate: create → final latency of each order, as the client sees it, over
 * `durationMs`. The load runs at the same rate for `warmupMs` before, uncounted, as the closed
 * loop has its warm-up: the first second or two after a step in load (new client connections,
 * queues filling to their steady length) is the step's latency, not the rate's.
 */
export async function measureLatency(opts: { gateway: string; users: string[]; observer: Observer; ratePerSecond: number; durationMs: number; warmupMs: number; onTick?: (text: string) => void }) {
	const placer = orderPlacer(opts.gateway, opts.users, 256);
	// Counted by the order's place in the schedule, not by the clock: a late timer does not move it.
	const warmupOrders = Math.floor((opts.ratePerSecond * opts.warmupMs) / 1000);
	const counted = new Set<string>();
	const ticker = setInterval(() => opts.onTick?.(`latency at ${opts.ratePerSecond}/s: ${placer.sentAt.size} placed, ${[...placer.sentAt.keys()].filter(id => opts.observer.settledAt.has(id)).length} settled`), 500);
	const load = await openLoop(opts.ratePerSecond, opts.warmupMs + opts.durationMs, async index => {
		const id = await placer.place();
		if (index >= warmupOrders) counted.add(id);
	}).finally(() => clearInterval(ticker));
	const unsettled = await drain(opts.observer, placer.sentAt.keys(), 120_000, opts.onTick);
	const latenciesOf = (orders: [string, number][]) =>
		orders
			.map(([id, sent]) => (opts.observer.settledAt.get(id) ?? Number.NaN) - sent)
			.filter(Number.isFinite)
			.sort((a, b) => a - b);
	const latencies = latenciesOf([...placer.sentAt].filter(([id]) => counted.has(id)));
	return {
		offeredPerSecond: opts.ratePerSecond,
		warmupMs: opts.warmupMs,
		achievedPerSecond: rate(load.ok, load.durationMs),
		p50: percentile(latencies, 50),
		p95: percentile(latencies, 95),
		p99: percentile(latencies, 99),
		/** The same p99 over every order of the phase, the warm-up's too. */
		p99WithWarmup: percentile(latenciesOf([...placer.sentAt]), 99),
		samples: latencies.length,
		/** Orders placed, warm-up included (the CPU the phase used went to all of them). */
		placed: load.ok,
		httpErrors: load.errors,
		unsettled,
	};
}
