/**
 * Optimistic-lock accounts: a service that mixes this in runs its balance-changing transactions
 * through `this.withConflictRetry(...)`. Entities carry a version column; MikroORM turns a stale
 * version into OptimisticLockError at flush, and this mixin retries the whole transaction.
 * A unit of work that changes many accounts at once writes them with `writeBalances`
 * (optimistic-lock/write-balances.ts), one statement guarded by every row's version, which needs
 * no transaction around it.
 */
import type { ServiceSchema } from "moleculer";
import { config } from "../infra/config.js";
import { conflict } from "../infra/errors.js";
import { METRIC, countMetric } from "../infra/observability/metrics.js";
import { ConflictRetriesExhaustedError, retryOnConflict, type RetryPolicy } from "./optimistic-lock/retry-on-conflict.js";

export interface OptimisticLockMethods {
	withConflictRetry<T>(work: () => Promise<T>): Promise<T>;
}

export function optimisticLockMixin(policy: RetryPolicy = config.optimisticLock): Partial<ServiceSchema> {
	return {
		created() {
			this.conflictRetries = 0;
		},
		methods: {
			async withConflictRetry<T>(work: () => Promise<T>): Promise<T> {
				try {
					return await retryOnConflict(work, policy, {
						onRetry: (attempt, err) => {
							this.conflictRetries++;
							countMetric(this.broker, METRIC.optimisticLockRetries, { service: this.name, source: "action" });
							this.logger.debug(`conflict, retry ${attempt}: ${err.message}`);
						},
					});
				} catch (err) {
					if (err instanceof ConflictRetriesExhaustedError) {
						throw conflict("CONCURRENT_UPDATE", "The account was changed concurrently too often; try again.");
					}
					throw err;
				}
			},
		},
	};
}
