/** The benchmark's outputs: JSON for machines, a Markdown table and an SVG chart for people. */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { WakeupPrice } from "./limits/wakeup-price.js";

export interface Row {
	measure: string;
	value: number;
	unit: string;
	limitName: string;
	limit: number | null;
	/** value / limit, or for latency limit / value (higher is better in both). */
	ratio: number | null;
	target: string;
	met: boolean | null;
}

/** CPU per component during the saturation phase (bench/system/cpu-use.ts). */
export interface CpuReport {
	components: { component: string; cpuSeconds: number; share: number }[];
	wallSeconds: number;
	busyCores: number;
	/** Share of the machine's CPU time the host gave to other guests meanwhile. */
	stolenShare: number;
	/** Orders placed during the phase. */
	orders: number;
}

/** Create → final latency at one offered load, as a share of the saturation throughput. */
export interface LatencyAtLoad {
	share: number;
	offeredPerSecond: number;
	p50: number;
	p95: number;
	p99: number;
	/** Cores the whole box kept busy meanwhile (0 where /proc is missing). */
	busyCores: number;
	/** Share of the machine's CPU time the host gave to other guests meanwhile. */
	stolenShare: number;
}

/** What a report shows besides the main table. */
export interface ReportExtras {
	cpu?: CpuReport;
	latencyByLoad?: LatencyAtLoad[];
	/** How long each offered rate ran, uncounted, before its latency was measured. */
	latencyWarmupMs?: number;
	/** Steal (CPU time the host gave to other guests) by phase, e.g. { "PostgreSQL limit": 0.12 }. */
	steal?: Record<string, number>;
	/** The cores were kept from halting by idle-priority spinners (bench/system/idle-spinners.ts). */
	spinIdle?: boolean;
	/** The host's price of a wake-up in this run, lowest rate first (bench/limits/wakeup-price.ts). */
	wakeups?: WakeupPrice;
}

export const percent = (share: number) => `${(share * 100).toFixed(0)}%`;

/**
 * On a shared virtual machine the host takes the CPUs away now and then (steal), stalling every
 * process at once; a phase's figures are comparable with another's only alongside its steal.
 */
export function stealLine(steal: Record<string, number>): string {
	return `CPU time stolen by the host (given to other guests) during each phase: ${Object.entries(steal)
		.map(([phase, share]) => `${phase} ${percent(share)}`)
		.join(", ")}.`;
}

const fmt = (n: number | null, digits = 0) => (n === null || !Number.isFinite(n) ? "–" : n.toLocaleString("en-US", { maximumFractionDigits: digits }));

/**
 * The p99 at half load follows what a wake-up costs on the host (the box is nearly busy there
 * because every hop of an order wakes a process): this line lets runs on hosts in different
 * states be compared.
 */
export function wakeupLine(price: WakeupPrice): string {
	const low = price.rates[0];
	const high = price.rates[price.rates.length - 1];
	return `What a wake-up cost on this host in this run: a bare Node HTTP server spent ${low.serverMs.toFixed(3)} ms of CPU per request at ${fmt(low.rate)} requests/s, ${price.timesCheapest[0].toFixed(1)} times its ${high.serverMs.toFixed(3)} ms at ${fmt(high.rate)}/s (\`npm run bench:wakeups\` gives more rates).`;
}

export function markdownTable(rows: Row[], machine: string): string {
	const lines = [
		`Measured on ${machine}; everything on one box. Ratios compare each figure with its limit measured in the same run.`,
		"",
		"| measure | result | limit (same run) | ratio | target | met |",
		"| --- | ---: | ---: | ---: | --- | :---: |",
		...rows.map(r => `| ${r.measure} | ${fmt(r.value, r.unit === "ms" ? 1 : 0)} ${r.unit} | ${r.limit === null ? "–" : `${fmt(r.limit)} (${r.limitName})`} | ${r.ratio === null ? "–" : `${(r.ratio * 100).toFixed(0)}%`} | ${r.target} | ${r.met === null ? "–" : r.met ? "yes" : "no"} |`),
	];
	return lines.join("\n");
}

export function cpuTable(cpu: CpuReport): string {
	if (cpu.components.length === 0) return "";
	return [
		`Where the CPU went at saturation: ${cpu.busyCores.toFixed(2)} cores busy for ${cpu.wallSeconds.toFixed(0)} s, ${fmt(cpu.orders)} orders placed, ${percent(cpu.stolenShare)} of the machine's CPU time stolen by the host.`,
		"",
		"| component | CPU s | share | CPU ms per order |",
		"| --- | ---: | ---: | ---: |",
		...cpu.components.map(c => `| ${c.component} | ${c.cpuSeconds.toFixed(1)} | ${(c.share * 100).toFixed(0)}% | ${cpu.orders > 0 ? ((c.cpuSeconds * 1000) / cpu.orders).toFixed(2) : "–"} |`),
	].join("\n");
}

export function latencyTable(points: LatencyAtLoad[], warmupMs = 0): string {
	return [
		warmupMs > 0 ? `Create → final latency by offered load (each rate held for ${warmupMs / 1000} s, not counted, before it is measured):` : "Create → final latency by offered load:",
		"",
		"| offered load | orders/s | p50 | p95 | p99 | cores busy | CPU ms per order | stolen by the host |",
		"| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
		...points.map(
			p =>
				`| ${(p.share * 100).toFixed(0)}% of saturation | ${fmt(p.offeredPerSecond)} | ${fmt(p.p50, 1)} ms | ${fmt(p.p95, 1)} ms | ${fmt(p.p99, 1)} ms | ${p.busyCores.toFixed(2)} | ${p.busyCores > 0 ? ((p.busyCores * 1000) / p.offeredPerSecond).toFixed(1) : "–"} | ${percent(p.stolenShare)} |`,
		),
	].join("\n");
}

export function markdownReport(rows: Row[], machine: string, extras: ReportExtras = {}): string {
	const parts = [markdownTable(rows, machine)];
	if (extras.steal) parts.push("", stealLine(extras.steal));
	// The server's CPU comes from /proc: without it there is no price to show.
	if (extras.wakeups && extras.wakeups.rates[0].serverMs > 0) parts.push("", wakeupLine(extras.wakeups));
	if (extras.spinIdle) parts.push("", "The cores were kept from halting by idle-priority spinners (`BENCH_SPIN_IDLE=1`): the host's wake-up delay is not in these figures.");
	if (extras.latencyByLoad && extras.latencyByLoad.length > 0) parts.push("", latencyTable(extras.latencyByLoad, extras.latencyWarmupMs));
	if (extras.cpu && extras.cpu.components.length > 0) parts.push("", cpuTable(extras.cpu));
	return parts.join("\n");
}

/** Horizontal bars: each measure as a share of its limit. */
export function svgChart(rows: Row[], title: string): string {
	const bars = rows.filter(r => r.ratio !== null);
	const width = 760;
	const barArea = 380;
	const left = 300;
	const rowHeight = 34;
	const height = 60 + bars.length * rowHeight + 30;
	const x = (ratio: number) => left + Math.min(1.2, ratio) * (barArea / 1.2);
	const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;");
	const parts = [
		`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="13">`,
		`<rect width="100%" height="100%" fill="#fff"/>`,
		`<text x="20" y="28" font-size="16" font-weight="bold">${esc(title)}</text>`,
		`<line x1="${x(1)}" y1="45" x2="${x(1)}" y2="${height - 25}" stroke="#999" stroke-dasharray="4 3"/>`,
		`<text x="${x(1)}" y="${height - 10}" text-anchor="middle" fill="#666">100% of limit</text>`,
	];
	bars.forEach((r, i) => {
		const y = 55 + i * rowHeight;
		parts.push(`<text x="${left - 10}" y="${y + 16}" text-anchor="end">${esc(r.measure)}</text>`);
		parts.push(`<rect x="${left}" y="${y}" width="${x(r.ratio!) - left}" height="22" fill="${r.met === false ? "#e07a5f" : "#3d9970"}" rx="3"/>`);
		parts.push(`<text x="${x(r.ratio!) + 6}" y="${y + 16}">${(r.ratio! * 100).toFixed(0)}%</text>`);
	});
	parts.push("</svg>");
	return parts.join("\n");
}

export function writeReport(dir: string, result: unknown, rows: Row[], machine: string, extras: ReportExtras = {}): string[] {
	mkdirSync(dir, { recursive: true });
	const files = [path.join(dir, "latest.json"), path.join(dir, "latest.md"), path.join(dir, "latest.svg")];
	writeFileSync(files[0], JSON.stringify(result, null, 2));
	writeFileSync(files[1], `${markdownReport(rows, machine, extras)}\n`);
	writeFileSync(files[2], svgChart(rows, `Gozon benchmark: share of the machine's own limits (${machine})`));
	return files;
}
