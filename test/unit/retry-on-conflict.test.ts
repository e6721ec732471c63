import { describe, expect, it } from "@jest/globals";
import { DeadlockException, OptimisticLockError, UniqueConstraintViolationException } from "@mikro-orm/core";
import { ConflictRetriesExhaustedError, isConflict, jitteredDelay, retryOnConflict } from "../../mixins/optimistic-lock/retry-on-conflict.js";

const policy = { maxRetries: 4, baseDelayMs: 0, maxDelayMs: 0 };
const conflict = () => new OptimisticLockError("stale version");

describe("retryOnConflict", () => {
	it("reruns the work after a lost race and returns its result", async () => {
		let calls = 0;
		const result = await retryOnConflict(async () => {
			calls++;
			if (calls < 3) throw conflict();
			return "done";
		}, policy);
		expect(result).toBe("done");
		expect(calls).toBe(3);
	});

	it("reports the conflict after the bounded number of retries", async () => {
		let calls = 0;
		const failing = retryOnConflict(async () => {
			calls++;
			throw conflict();
		}, policy);
		await expect(failing).rejects.toBeInstanceOf(ConflictRetriesExhaustedError);
		expect(calls).toBe(policy.maxRetries + 1);
	});

	it("counts a stale version, a taken unique key and a broken deadlock as lost races, and nothing else", () => {
		expect(isConflict(conflict())).toBe(true);
		expect(isConflict(new UniqueConstraintViolationException(new Error("duplicate key")))).toBe(true);
		expect(isConflict(new DeadlockException(new Error("deadlock detected")))).toBe(true);
		expect(isConflict(new Error("disk on fire"))).toBe(false);
	});

	it("does not retry other errors", async () => {
		let calls = 0;
		await expect(
			retryOnConflict(async () => {
				calls++;
				throw new Error("disk on fire");
			}, policy),
		).rejects.toThrow("disk on fire");
		expect(calls).toBe(1);
	});

	it("draws each wait at random under an exponentially growing cap", () => {
		const p = { maxRetries: 10, baseDelayMs: 5, maxDelayMs: 100 };
		expect(jitteredDelay(0, p, () => 0.999)).toBe(4);
		expect(jitteredDelay(3, p, () => 0.999)).toBe(39);
		expect(jitteredDelay(9, p, () => 0.999)).toBe(99);
		expect(jitteredDelay(9, p, () => 0)).toBe(0);
	});
});
