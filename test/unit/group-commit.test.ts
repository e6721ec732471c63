/**
 * Group commit's rules, with a transaction stood in for by a function that records the groups it
 * is given: a lone call starts at once, calls that arrive while transactions are in flight share
 * the next one, a bad call fails alone, and an outage fails every call without retries.
 */
import { describe, expect, it } from "@jest/globals";
import { GroupCommit } from "../../mixins/group-commit/group-commit.js";

/** A transaction that holds until released, so a test decides what is in flight. */
function heldTransactions() {
	const groups: number[][] = [];
	const releases: (() => void)[] = [];
	const run = (calls: number[]) => {
		groups.push(calls);
		return new Promise<number[]>((resolve, reject) =>
			releases.push(() => (calls.includes(-1) ? reject(new Error("call -1 is bad")) : resolve(calls.map(c => c * 10)))),
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
		expect(group.stats).toEqual({ calls: 7, transactions: 4, retriedAlone: 0 });
	});

	it("runs a failed group's calls again one at a time, so only the bad call fails", async () => {
		const tx = heldTransactions();
		const group = new GroupCommit({ run: tx.run, maxSize: 10, maxInFlight: 1 });
		const first = group.submit(1);
		const rest = [2, -1, 3].map(call => group.submit(call).then(String, (err: Error) => err.message));
		await tx.releaseAll();
		await expect(first).resolves.toBe(10);
		await expect(Promise.all(rest)).resolves.toEqual(["20", "call -1 is bad", "30"]);
		expect(tx.groups).toEqual([[1], [2, -1, 3], [2], [-1], [3]]);
		expect(group.stats.retriedAlone).toBe(3);
	});

	it("fails every call of the group at once when the failure is everyone's", async () => {
		const outage = new Error("database unreachable");
		const runs: number[][] = [];
		const group = new GroupCommit<number, number>({
			run: async calls => {
				runs.push(calls);
				throw outage;
			},
			maxSize: 10,
			maxInFlight: 1,
			failsEveryCall: err => err === outage,
		});
		const answers = [1, 2, 3].map(call => group.submit(call).catch((err: Error) => err));
		await expect(Promise.all(answers)).resolves.toEqual([outage, outage, outage]);
		expect(runs).toEqual([[1], [2, 3]]);
		expect(group.stats.retriedAlone).toBe(0);
	});

	it("refuses an answer count that does not match the calls", async () => {
		const group = new GroupCommit<number, number>({ run: async () => [1, 2], maxSize: 10, maxInFlight: 1 });
		await expect(group.submit(1)).rejects.toThrow("1 calls got 2 answers");
	});
});
