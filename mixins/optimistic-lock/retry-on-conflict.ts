/**
 * Runs a unit of work again when it lost a race: a stale version (optimistic lock), a unique key
 * taken by a concurrent writer, or a deadlock. Each retry waits a random time under an exponentially
 * growing cap ("full jitter"), so contenders spread out instead of colliding again in step.
 * After the last retry the conflict is reported to the caller.
 */
import { DeadlockException, OptimisticLockError, UniqueConstraintViolationException } from "@mikro-orm/core";

export interface RetryPolicy {
	maxRetries: number;
	baseDelayMs: number;
	maxDelayMs: number;
}

export class ConflictRetriesExhaustedError extends Error {
	constructor(
		readonly attempts: number,
		readonly lastError: Error,
	) {
		super(`gave up after ${attempts} attempts lost to concurrent writers: ${lastError.message}`);
		this.name = "ConflictRetriesExhaustedError";
	}
}

/** Lost a race: a stale version, a unique key a concurrent writer took, or a deadlock PostgreSQL broke. */
export function isConflict(err: unknown): boolean {
	return err instanceof OptimisticLockError || err instanceof UniqueConstraintViolationException || err instanceof DeadlockException;
}

export function jitteredDelay(attempt: number, policy: RetryPolicy, random: () => number = Math.random): number {
	const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
	return Math.floor(random() * cap);
}

export async function retryOnConflict<T>(
	work: (attempt: number) => Promise<T>,
	policy: RetryPolicy,
	hooks: { onRetry?: (attempt: number, err: Error) => void; isRetryable?: (err: unknown) => boolean } = {},
): Promise<T> {
	const retryable = hooks.isRetryable ?? isConflict;
	for (let attempt = 0; ; attempt++) {
		try {
			return await work(attempt);
		} catch (err) {
			if (!retryable(err)) throw err;
			if (attempt >= policy.maxRetries) throw new ConflictRetriesExhaustedError(attempt + 1, err as Error);
			hooks.onRetry?.(attempt + 1, err as Error);
			const delay = jitteredDelay(attempt, policy);
			if (delay > 0) await new Promise(resolve => setTimeout(resolve, delay));
		}
	}
}
