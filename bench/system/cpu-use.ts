/**
 * Where the CPU went during a phase: CPU seconds per component (each service process, the
 * PostgreSQL, Kafka and NATS servers, the load generator), read from /proc on Linux. This is the
 * profile that says which part of the system a benchmark is waiting on; elsewhere it is empty.
 * Also the share of the machine's CPU time the hypervisor gave to other guests ("steal"): on a
 * shared virtual machine every process stalls together while it lasts, and latency with it.
 */
import { readdirSync, readFileSync } from "node:fs";

export const TICKS_PER_SECOND = 100;

/** utime + stime of one process in clock ticks; 0 when it is gone. */
export function ticksOf(pid: number): number {
	try {
		const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
		const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
		return Number(fields[11]) + Number(fields[12]);
	} catch {
		return 0;
	}
}

function pidsByCommand(): Map<string, number[]> {
	const byCommand = new Map<string, number[]>();
	let entries: string[];
	try {
		entries = readdirSync("/proc").filter(name => /^\d+$/.test(name));
	} catch {
		return byCommand;
	}
	for (const entry of entries) {
		try {
			const command = readFileSync(`/proc/${entry}/comm`, "utf8").trim();
			byCommand.set(command, [...(byCommand.get(command) ?? []), Number(entry)]);
		} catch {
			// The process ended while the list was read.
		}
	}
	return byCommand;
}

/** The machine's CPU time so far, in clock ticks: all of it, and the part stolen by the host. */
function machineTicks(): { total: number; steal: number } {
	try {
		// "cpu  user nice system idle iowait irq softirq steal guest guest_nice"
		const fields = readFileSync("/proc/stat", "utf8").split("\n", 1)[0].trim().split(/\s+/).slice(1, 9).map(Number);
		return { total: fields.reduce((sum, n) => sum + n, 0), steal: fields[7] ?? 0 };
	} catch {
		return { total: 0, steal: 0 };
	}
}

/** Starts counting; the returned function gives the share of the machine's CPU time stolen since. */
export function startStealCount(): () => number {
	const before = machineTicks();
	return () => {
		const after = machineTicks();
		const total = after.total - before.total;
		return total > 0 ? (after.steal - before.steal) / total : 0;
	};
}

export interface CpuUse {
	component: string;
	cpuSeconds: number;
	/** Share of all the CPU the components used. */
	share: number;
}

/** Starts counting; the returned function ends the phase and reports per component, busiest first. */
export function startCpuCount(services: Record<string, number | undefined>): () => { components: CpuUse[]; wallSeconds: number; busyCores: number; stolenShare: number } {
	const snapshot = () => {
		const byCommand = pidsByCommand();
		const servers = { PostgreSQL: byCommand.get("postgres") ?? [], Kafka: byCommand.get("java") ?? [], NATS: byCommand.get("nats-server") ?? [] };
		const ticks = new Map<string, Map<number, number>>();
		const groups: Record<string, number[]> = { ...servers, "load generator": [process.pid] };
		for (const [name, pid] of Object.entries(services)) if (pid) groups[name] = [pid];
		for (const [name, pids] of Object.entries(groups)) ticks.set(name, new Map(pids.map(pid => [pid, ticksOf(pid)])));
		return ticks;
	};
	const before = snapshot();
	const stolen = startStealCount();
	const started = performance.now();
	return () => {
		const after = snapshot();
		const wallSeconds = (performance.now() - started) / 1000;
		const used = [...after].map(([component, pids]) => {
			let ticks = 0;
			// A process that started during the phase counts from zero (a new database connection).
			for (const [pid, end] of pids) ticks += end - (before.get(component)?.get(pid) ?? 0);
			return { component, cpuSeconds: ticks / TICKS_PER_SECOND };
		});
		const total = used.reduce((sum, u) => sum + u.cpuSeconds, 0);
		return {
			components: used.map(u => ({ ...u, share: total > 0 ? u.cpuSeconds / total : 0 })).sort((a, b) => b.cpuSeconds - a.cpuSeconds),
			wallSeconds,
			busyCores: total / wallSeconds,
			stolenShare: stolen(),
		};
	};
}
