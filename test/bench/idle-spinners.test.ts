/**
 * BENCH_SPIN_IDLE's spinners: one per core, at the idle scheduling class so that any real
 * process preempts them, and gone when the benchmark stops them.
 */
import { existsSync, readFileSync } from "node:fs";
import os from "node:os";
import { describe, expect, it } from "@jest/globals";
import { startIdleSpinners } from "../../bench/system/idle-spinners.js";

/** The scheduling policy of a process (/proc/<pid>/stat field 41; SCHED_IDLE is 5). */
function policyOf(pid: number): number {
	const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
	return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[38]);
}

const linuxWithChrt = process.platform === "linux" && existsSync("/usr/bin/chrt");

describe("idle spinners", () => {
	it("runs one spinner per core at the idle scheduling class and stops them all", async () => {
		const spinners = startIdleSpinners();
		try {
			expect(spinners.pids).toHaveLength(os.cpus().length);
			// chrt switches its own process to SCHED_IDLE and then becomes the spinner.
			await new Promise(resolve => setTimeout(resolve, 300));
			if (linuxWithChrt) for (const pid of spinners.pids) expect(policyOf(pid)).toBe(5);
		} finally {
			await spinners.stop();
		}
		if (process.platform === "linux") for (const pid of spinners.pids) expect(existsSync(`/proc/${pid}`)).toBe(false);
	});
});
