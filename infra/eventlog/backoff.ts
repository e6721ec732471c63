/** Exponential backoff for waiting out a dependency that is down. */
export function backoffDelay(failures: number, baseMs = 200, maxMs = 5000): number {
	const cap = Math.min(maxMs, baseMs * 2 ** Math.max(0, failures - 1));
	return Math.round(cap / 2 + Math.random() * (cap / 2));
}

export function sleep(ms: number, signal?: { aborted: boolean }): Promise<void> {
	return new Promise(resolve => {
		if (signal?.aborted) return resolve();
		setTimeout(resolve, ms);
	});
}
