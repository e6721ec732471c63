/** Load shapes for the benchmark: a closed loop (saturation) and an open loop (fixed rate). */

export interface LoadResult {
	ok: number;
	errors: number;
	durationMs: number;
	latenciesMs: number[];
}

/** `concurrency` workers each run `op` back to back until `durationMs` has passed. */
export async function closedLoop(concurrency: number, durationMs: number, op: () => Promise<unknown>, onTick?: (done: number) => void): Promise<LoadResult> {
	const result: LoadResult = { ok: 0, errors: 0, durationMs, latenciesMs: [] };
	const started = performance.now();
	const end = started + durationMs;
	const ticker = onTick ? setInterval(() => onTick(result.ok), 500) : undefined;
	await Promise.all(
		Array.from({ length: concurrency }, async () => {
			while (performance.now() < end) {
				const t = performance.now();
				try {
					await op();
					result.ok++;
					result.latenciesMs.push(performance.now() - t);
				} catch {
					result.errors++;
				}
			}
		}),
	);
	if (ticker) clearInterval(ticker);
	result.durationMs = performance.now() - started;
	return result;
}

/** Starts `op` at a fixed rate regardless of how long each takes (no coordinated omission); `op` gets the start's index. */
export async function openLoop(ratePerSecond: number, durationMs: number, op: (index: number) => Promise<unknown>): Promise<LoadResult> {
	const result: LoadResult = { ok: 0, errors: 0, durationMs, latenciesMs: [] };
	const total = Math.floor((ratePerSecond * durationMs) / 1000);
	const started = performance.now();
	const inflight: Promise<void>[] = [];
	for (let i = 0; i < total; i++) {
		const due = started + (i * 1000) / ratePerSecond;
		const wait = due - performance.now();
		if (wait > 1) await new Promise(resolve => setTimeout(resolve, wait));
		inflight.push(
			op(i).then(
				() => void result.ok++,
				() => void result.errors++,
			),
		);
	}
	await Promise.all(inflight);
	result.durationMs = performance.now() - started;
	return result;
}

export function percentile(sorted: number[], p: number): number {
	if (sorted.length === 0) return Number.NaN;
	const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
	return sorted[index];
}

export function rate(count: number, ms: number): number {
	return ms > 0 ? (count * 1000) / ms : 0;
}
