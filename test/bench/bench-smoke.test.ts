/**
 * Keeps `npm run bench` working: every phase runs for a moment against the real topology, and
 * the run must write its JSON, Markdown table and chart, with a clean audit. The figures of a
 * smoke run mean nothing and are not checked.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "@jest/globals";

const run = promisify(execFile);

describe("npm run bench", () => {
	it("runs every phase and writes its report", async () => {
		const out = mkdtempSync(path.join(tmpdir(), "gozon-bench-"));
		await run(process.execPath, ["--import", "tsx", "bench/run.ts"], {
			env: { ...process.env, BENCH_SMOKE: "1", BENCH_OUT: out },
			maxBuffer: 16 * 1024 * 1024,
			timeout: 600_000,
		});
		const result = JSON.parse(readFileSync(path.join(out, "latest.json"), "utf8"));
		expect(result.smoke).toBe(true);
		expect(result.audit).toMatchObject({ ok: true, violations: 0 });
		for (const key of ["kafkaRaw", "postgresCommitRate", "nodePostgresRate", "endToEnd", "latency", "latencyByLoad", "cpuAtSaturation", "gatewayRead", "bareHttpRead", "relay", "wakeupPrice"]) {
			expect(result[key]).toBeDefined();
		}
		// The database's limit comes from pgbench, one figure per transaction of an order.
		expect(result.postgresCommitRate.tool).toMatch(/pgbench/);
		expect(result.postgresCommitRate.protocol).toBe("prepared");
		for (const kind of ["create", "pay", "settle"]) expect(result.postgresCommitRate.transactionsPerSecond[kind]).toBeGreaterThan(0);
		expect(result.endToEnd.unsettled).toBe(0);
		expect(result.relay.eventsPerSecond).toBeGreaterThan(0);
		expect(result.latencyByLoad.map((p: { share: number }) => p.share)).toEqual([0.1, 0.25, 0.5]);
		// The latency phase's warm-up at the same rate places orders that its figures leave out.
		expect(result.latency.warmupMs).toBeGreaterThan(0);
		expect(result.latency.samples).toBeLessThan(result.latency.placed - result.latency.unsettled);
		expect(result.latency.p99WithWarmup).toBeGreaterThan(0);
		const markdown = readFileSync(path.join(out, "latest.md"), "utf8");
		for (const table of ["| measure |", "| offered load |"]) expect(markdown).toContain(table);
		expect(markdown).toContain("| create → final p99 at half load, its warm-up counted too |");
		// The CPU count reads /proc: Linux only.
		if (process.platform === "linux") {
			expect(markdown).toContain("| component |");
			expect(result.cpuAtSaturation.components.map((c: { component: string }) => c.component)).toEqual(expect.arrayContaining(["PostgreSQL", "gateway-1", "orders-1", "payments-1"]));
			// Each phase says how much of the machine's CPU time the host took meanwhile.
			expect(Object.keys(result.steal)).toEqual(["Kafka limit", "PostgreSQL limit", "wake-up limit", "saturation", "half load", "relay"]);
			for (const share of Object.values(result.steal) as number[]) {
				expect(share).toBeGreaterThanOrEqual(0);
				expect(share).toBeLessThanOrEqual(1);
			}
			expect(markdown).toContain("CPU time stolen by the host");
			// The host's price of a wake-up, which the half-load p99 follows, from a server of its own.
			expect(result.wakeupPrice.rates.map((r: { rate: number }) => r.rate)).toEqual([600, 6000]);
			expect(result.wakeupPrice.rates[0].serverMs).toBeGreaterThan(0);
			expect(markdown).toContain("What a wake-up cost on this host in this run");
		}
		expect(readFileSync(path.join(out, "latest.svg"), "utf8")).toMatch(/^<svg/);
	}, 660_000);
});
