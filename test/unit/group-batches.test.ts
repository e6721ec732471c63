/** Group commit for consumers (infra/eventlog/group-batches.ts): pure logic. */
import { describe, expect, it } from "@jest/globals";
import { groupBatches } from "../../infra/eventlog/group-batches.js";

function gate() {
	let open: () => void = () => undefined;
	const opened = new Promise<void>(resolve => (open = resolve));
	return { opened, open };
}

const nextTurn = () => new Promise(resolve => setImmediate(resolve));

describe("groupBatches", () => {
	it("hands the slices of one turn of the event loop over together, as one batch (a fetch's partitions, one transaction)", async () => {
		const seen: string[][] = [];
		const handle = groupBatches<string>(async items => void seen.push(items), 100);
		await Promise.all([handle(["a1", "a2"]), handle(["b1"]), handle(["c1", "c2"])]);
		expect(seen).toEqual([["a1", "a2", "b1", "c1", "c2"]]);
	});

	it("hands slices that wait while the handler is busy over together, each slice whole and in order", async () => {
		const seen: string[][] = [];
		const first = gate();
		const handle = groupBatches<string>(async items => {
			seen.push(items);
			if (seen.length === 1) await first.opened;
		}, 100);
		const a = handle(["a1", "a2"]);
		await nextTurn();
		const b = handle(["b1"]);
		const c = handle(["c1", "c2"]);
		first.open();
		await Promise.all([a, b, c]);
		expect(seen).toEqual([["a1", "a2"], ["b1", "c1", "c2"]]);
	});

	it("never groups past maxItems, and never splits a slice", async () => {
		const seen: number[][] = [];
		const first = gate();
		const handle = groupBatches<number>(async items => {
			seen.push(items);
			if (seen.length === 1) await first.opened;
		}, 3);
		const all = [handle([0]), handle([1, 2]), handle([3]), handle([4, 5, 6, 7])];
		first.open();
		await Promise.all(all);
		expect(seen).toEqual([[0, 1, 2], [3], [4, 5, 6, 7]]);
	});

	it("fails every slice of a failed batch, and goes on with the next", async () => {
		const first = gate();
		let calls = 0;
		const handle = groupBatches<string>(async items => {
			calls++;
			if (calls === 1) await first.opened;
			if (items.includes("bad")) throw new Error("refused");
		}, 100);
		const ok1 = handle(["ok1"]);
		await nextTurn();
		const bad = handle(["bad"]);
		const withBad = handle(["x"]);
		first.open();
		await expect(ok1).resolves.toBeUndefined();
		await expect(bad).rejects.toThrow("refused");
		await expect(withBad).rejects.toThrow("refused");
		await expect(handle(["later"])).resolves.toBeUndefined();
	});
});
