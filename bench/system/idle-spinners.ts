/**
 * `BENCH_SPIN_IDLE=1`: one busy loop per core at the lowest scheduling class (SCHED_IDLE), the
 * user-space counterpart of booting the guest with `idle=poll` or the haltpoll idle driver.
 *
 * On a shared virtual machine a core with nothing to run halts, and the host hands its physical
 * CPU to another guest; when a packet or a timer wakes it, it waits for the host to schedule it
 * back, and that wait is reported as steal. A request that crosses five processes wakes cores
 * many times, so at light load that wait, not the work, is most of its latency. A spinner that
 * any real process preempts at once keeps the cores from halting: what remains is the system's
 * own latency. Results record whether it ran; the default benchmark runs without it.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import os from "node:os";

const SPIN = "for (;;) {}";

export interface IdleSpinners {
	pids: number[];
	/** Kills the spinners; resolves once they have exited. */
	stop(): Promise<void>;
}

export function startIdleSpinners(): IdleSpinners {
	// chrt comes with util-linux; without it the spinner at least takes the lowest nice level.
	const chrt = existsSync("/usr/bin/chrt");
	const children: ChildProcess[] = os.cpus().map(() => {
		if (chrt) return spawn("/usr/bin/chrt", ["--idle", "0", process.execPath, "-e", SPIN], { stdio: "ignore" });
		const child = spawn(process.execPath, ["-e", SPIN], { stdio: "ignore" });
		if (child.pid !== undefined) os.setPriority(child.pid, 19);
		return child;
	});
	const kill = () => children.forEach(child => child.kill("SIGKILL"));
	// The spinners must not outlive the benchmark, however it ends.
	process.once("exit", kill);
	return {
		pids: children.map(child => child.pid!),
		stop: async () => {
			const exited = children.map(child => (child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise<void>(resolve => child.once("exit", () => resolve()))));
			kill();
			process.off("exit", kill);
			await Promise.all(exited);
		},
	};
}
