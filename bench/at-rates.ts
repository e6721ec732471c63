/**
 * `npm run bench:rates`: the benchmark's topology driven at the offered rates you name, for
 * comparing two versions of the code at the same load (run them alternately: the host's hour
 * moves every figure). For each rate: create → final p50 and p99, the cores the box kept busy,
 * and the CPU each component spent per order. `RATES=200,400` (orders/s; "saturation" runs the
 * closed loop of `npm run bench`), `RATE_SECONDS=10` (each fixed rate runs 3 s more first, not
 * counted in the latency, as in `npm run bench`); `BENCH_PROFILE=<dir>` makes every service
 * process write a V8 CPU profile there, as for `npm run bench`.
 */
import { randomUUID } from "node:crypto";
import pg from "pg";
import { ensureInfra } from "../infra/local/index.js";
import { stackTopology } from "../infra/local/service-processes.js";
import { createFreshDatabases, databaseUrl, dropDatabases } from "./fresh-databases.js";
import { progress, step } from "./progress.js";
import { startBenchMesh } from "./system/bench-mesh.js";
import { startCpuCount } from "./system/cpu-use.js";
import { observeSettlements } from "./system/observer.js";
import { fundUsers, LATENCY_WARMUP_MS, measureLatency, measureThroughput } from "./system/order-load.js";

const rates = (process.env.RATES ?? "200,400").split(",").map(rate => (rate.trim() === "saturation" ? "saturation" : Number(rate)));
if (rates.some(rate => rate !== "saturation" && !(rate > 0))) throw new Error(`RATES must list positive numbers or "saturation", got "${process.env.RATES}"`);
const seconds = Number(process.env.RATE_SECONDS ?? 10);

const infra = await ensureInfra({ log: line => step(line) });
const admin = new pg.Client({ connectionString: infra.ORDERS_DB_URL });
await admin.connect();
const suffix = randomUUID().slice(0, 6);
const names = [`gozon_rates_orders_${suffix}`, `gozon_rates_payments_${suffix}`];
await createFreshDatabases(admin, names);
const urls = { orders: databaseUrl(infra.ORDERS_DB_URL, names[0]), payments: databaseUrl(infra.ORDERS_DB_URL, names[1]) };
const mesh = await startBenchMesh(stackTopology().filter(spec => spec.name.endsWith("-1")), { ...infra, ORDERS_DB_URL: urls.orders, PAYMENTS_DB_URL: urls.payments }, process.env.BENCH_PROFILE || undefined);
try {
	step("setting up funded users");
	const users = await fundUsers(mesh.url, 500);
	const observer = await observeSettlements(mesh.namespace, infra.TRANSPORTER, urls.orders);
	// "orders": all the phase placed (a fixed rate's warm-up too: the CPU went to them); p50 and p99 leave the warm-up out.
	const lines = ["| offered | orders | p50 | p99 | cores busy | CPU ms per order by component |", "| --- | ---: | ---: | ---: | ---: | --- |"];
	for (const rate of rates) {
		step(`${rate === "saturation" ? "saturation (64 clients)" : `${rate} orders/s`} for ${seconds} s${rate === "saturation" ? "" : `, after ${LATENCY_WARMUP_MS / 1000} s at that rate not counted in the latency`}`);
		const cpu = startCpuCount(mesh.pids());
		const durationMs = seconds * 1000;
		const measured =
			rate === "saturation"
				? await measureThroughput({ gateway: mesh.url, users, observer, concurrency: 64, durationMs, warmupMs: Math.min(3000, durationMs / 4), onTick: progress }).then(t => ({ orders: t.placed, p50: Number.NaN, p99: Number.NaN }))
				: await measureLatency({ gateway: mesh.url, users, observer, ratePerSecond: rate, durationMs, warmupMs: LATENCY_WARMUP_MS, onTick: progress }).then(l => ({ orders: l.placed, p50: l.p50, p99: l.p99 }));
		const used = cpu();
		const perOrder = used.components.map(c => `${c.component} ${((c.cpuSeconds * 1000) / measured.orders).toFixed(2)}`).join(", ");
		const ms = (value: number) => (Number.isNaN(value) ? "–" : `${value.toFixed(1)} ms`);
		lines.push(`| ${rate} | ${measured.orders} | ${ms(measured.p50)} | ${ms(measured.p99)} | ${used.busyCores.toFixed(2)} | ${perOrder} |`);
	}
	await observer.stop();
	process.stdout.write(`\n${lines.join("\n")}\n`);
} finally {
	await mesh.stop();
	await dropDatabases(admin, names).catch(() => undefined);
	await admin.end();
}
