/**
 * Group commit's rules, with a transaction stood in for by a function that records the groups it
 * is given: a lone call starts at once, calls that arrive while transactions are in flight share
 * the next one, a failure before commit is narrowed down to the call at fault, and a failure
 * that is everyone's, or whose outcome is unknown, fails every call without running it again, and
 * a call answered with its own failure fails alone without a rerun.
 */
import { describe, expect, it } from "@jest/globals";
import { CallFailed, failedBeforeCommit, GroupCommit } from "../../mixins/group-commit/group-commit.js";

/** A transaction that holds until released, so a test decides what is in flight. Call -1 fails its body. */
function heldTransactions() {
	const groups: number[][] = [];
	const releases: (() => void)[] = [];
	const run = (calls: number[]) => {
		groups.push(calls);
		return failedBeforeCommit(
			() =>
				new Promise<number[]>((resolve, reject) =>
					releases.push(() => (calls.includes(-1) ? reject(new Error("call -1 is bad")) : resolve(calls.map(c => c * 10)))),
				),
		);
	};
	const releaseAll = async () => {
		while (releases.length > 0) {
			releases.splice(0).forEach(release => release());
			await new Promise(resolve => setImmediate(resolve));
		}
	};
	return { groups, run, releaseAll };
}

const settled = (answers: Promise<number>[]) => Promise.all(answers.map(a => a.then(String, (err: Error) => err.message)));

describe("GroupCommit", () => {
	it("starts a lone call at once, in a transaction of its own", async () => {
		const tx = heldTransactions();
		const group = new GroupCommit({ run: tx.run, maxSize: 100, maxInFlight: 1 });
		const answer = group.submit(7);
		expect(tx.groups).toEqual([[7]]);
		await tx.releaseAll();
		await expect(answer).resolves.toBe(70);
	});

	it("puts the calls that arrive while transactions are in flight into the next one, at most maxSize", async () => {
		const tx = heldTransactions();
		const group = new GroupCommit({ run: tx.run, maxSize: 3, maxInFlight: 2 });
		const answers = [1, 2, 3, 4, 5, 6, 7].map(call => group.submit(call));
		// Two transactions in flight at once, each started with whoever was waiting.
		expect(tx.groups).toEqual([[1], [2]]);
		await tx.releaseAll();
		expect(tx.groups).toEqual([[1], [2], [3, 4, 5], [6, 7]]);
		await expect(Promise.all(answers)).resolves.toEqual([10, 20, 30, 40, 50, 60, 70]);
		expect(group.stats).toEqual({ calls: 7, transactions: 4, splits: 0 });
	});

	it("fails a call answered with CallFailed alone, and answers the rest of its group without a rerun", async () => {
		const runs: number[][] = [];
		const group = new GroupCommit<number, number>({
			run: async calls => {
				runs.push(calls);
				return calls.map(c => (c < 0 ? new CallFailed(new Error(`call ${c} refused`)) : c * 10));
			},
			maxSize: 10,
			maxInFlight: 1,
		});
		const first = group.submit(1);
		const rest = settled([2, -3, 4].map(call => group.submit(call)));
		await expect(first).resolves.toBe(10);
		await expect(rest).resolves.toEqual(["20", "call -3 refused", "40"]);
		expect(runs).toEqual([[1], [2, -3, 4]]);
		expect(group.stats).toEqual({ calls: 4, transactions: 2, splits: 0 });
	});

	it("runs a group that failed before its commit again in halves, so only the bad call fails", async () => {
		const tx = heldTransactions();
		const group = new GroupCommit({ run: tx.run, maxSize: 10, maxInFlight: 1 });
		const first = group.submit(1);
		const rest = settled([2, 3, -1, 4, 5].map(call => group.submit(call)));
		await tx.releaseAll();
		await expect(first).resolves.toBe(10);
		await expect(rest).resolves.toEqual(["20", "30", "call -1 is bad", "40", "50"]);
		expect(tx.groups).toEqual([[1], [2, 3, -1, 4, 5], [2, 3, -1], [2, 3], [-1], [4, 5]]);
		expect(group.stats.splits).toBe(2);
	});

	it("fails every call at once when the failure is everyone's, also halfway through narrowing down", async () => {
		const outage = new Error("database unreachable");
		let databaseUp = true;
		const runs: number[][] = [];
		const group = new GroupCommit<number, number>({
			run: calls =>
				failedBeforeCommit(async () => {
					runs.push(calls);
					if (!databaseUp) throw outage;
					if (calls.includes(-1)) {
						// The database goes away while the group is being narrowed down.
						databaseUp = calls.length > 2;
						throw new Error("call -1 is bad");
					}
					return calls;
				}),
			maxSize: 10,
			maxInFlight: 1,
			failsEveryCall: err => err === outage,
		});
		const answers = [0, 1, -1, 2, 3].map(call => group.submit(call).catch((err: Error) => err.message));
		await expect(Promise.all(answers)).resolves.toEqual([0, "database unreachable", "database unreachable", "database unreachable", "database unreachable"]);
		// [1, -1] failed on its bad call and took the database with it; [1] met the outage, so [2, 3] never ran.
		expect(runs).toEqual([[0], [1, -1, 2, 3], [1, -1], [1]]);
	});

	it("does not run again a group whose failure came after its body: its commit may have happened", async () => {
		const runs: number[][] = [];
		const group = new GroupCommit<number, number>({
			run: async calls => {
				runs.push(calls);
				await failedBeforeCommit(async () => calls);
				throw new Error("commit: connection lost, outcome unknown");
			},
			maxSize: 10,
			maxInFlight: 1,
		});
		const answers = [1, 2, 3].map(call => group.submit(call).catch((err: Error) => err.message));
		await expect(Promise.all(answers)).resolves.toEqual(Array(3).fill("commit: connection lost, outcome unknown"));
		expect(runs).toEqual([[1], [2, 3]]);
		expect(group.stats.splits).toBe(0);
	});

	it("refuses an answer count that does not match the calls", async () => {
		const group = new GroupCommit<number, number>({ run: async () => [1, 2], maxSize: 10, maxInFlight: 1 });
		await expect(group.submit(1)).rejects.toThrow("1 calls got 2 answers");
	});

	it("starts each transaction through `detached`, outside the context of the call that happened to start it", async () => {
		const contexts: string[] = [];
		let context = "caller";
		const group = new GroupCommit<number, number>({
			run: async calls => (contexts.push(context), calls),
			maxSize: 10,
			maxInFlight: 1,
			detached: work => {
				const outer = context;
				context = "detached";
				try {
					return work();
				} finally {
					context = outer;
				}
			},
		});
		await group.submit(1);
		expect(contexts).toEqual(["detached"]);
	});
});
