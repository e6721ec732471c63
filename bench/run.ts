/**
 * `npm run bench`: Gozon's performance on the full topology on this machine, each figure held
 * against a limit measured in the same run (see README.md, "Performance"). Writes
 * bench/results/latest.{json,md,svg}. BENCH_SMOKE=1 runs every phase for a moment only.
 */
import os from "node:os";
import { randomUUID } from "node:crypto";
import pg from "pg";
import { ensureInfra } from "../infra/local/index.js";
import { stackTopology } from "../infra/local/service-processes.js";
import { queryOf } from "../infra/audit/pg-query.js";
import { runAudit } from "../infra/audit/run-audit.js";
import { httpGetter } from "./http-get.js";
import { measureBareHttpRead } from "./limits/bare-http-read.js";
import { measureKafkaRawRate } from "./limits/kafka-raw-rate.js";
import { measureWakeupPrice } from "./limits/wakeup-price.js";
import { createFreshDatabases, databaseUrl, dropDatabases } from "./fresh-databases.js";
import { withLimitDatabases } from "./limits/limit-databases.js";
import { measurePgbenchRate } from "./limits/pgbench-commit-rate.js";
import { measurePostgresCommitRate } from "./limits/postgres-commit-rate.js";
import { closedLoop, rate } from "./load.js";
import { progress, step } from "./progress.js";
import { markdownReport, percent, writeReport, type CpuReport, type LatencyAtLoad, type Row } from "./report.js";
import { observeSettlements } from "./system/observer.js";
import { fundUsers, LATENCY_WARMUP_MS, measureLatency, measureThroughput } from "./system/order-load.js";
import { startCpuCount, startStealCount } from "./system/cpu-use.js";
import { measureRelay } from "./system/relay-throughput.js";
import { startBenchMesh } from "./system/bench-mesh.js";
import { startIdleSpinners } from "./system/idle-spinners.js";

const smoke = process.env.BENCH_SMOKE === "1";
const seconds = (full: number, short: number) => (smoke ? short : Number(process.env.BENCH_SECONDS ?? full)) * 1000;
const outDir = process.env.BENCH_OUT ?? "bench/results";
const machine = `${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.cpus()[0]?.model.trim() ?? "cpu"}, Node ${process.version}`;

step(`gozon benchmark${smoke ? " (smoke run)" : ""} on ${machine}`);
// BENCH_SPIN_IDLE=1: the cores never halt, so the host's wake-up delay drops out (bench/system/idle-spinners.ts).
const spinIdle = process.env.BENCH_SPIN_IDLE === "1";
const spinners = spinIdle ? startIdleSpinners() : undefined;
if (spinIdle) step("cores kept awake by idle-priority spinners (BENCH_SPIN_IDLE=1)");
const infra = await ensureInfra({ log: line => step(line) });

// A fresh pair of databases: the figures never depend on what earlier runs left behind.
const suffix = smoke ? `smoke_${randomUUID().slice(0, 6)}` : "run";
const dbNames = { orders: `gozon_bench_orders_${suffix}`, payments: `gozon_bench_payments_${suffix}` };
const admin = new pg.Client({ connectionString: infra.ORDERS_DB_URL });
await admin.connect();
await createFreshDatabases(admin, Object.values(dbNames));
const urls = { orders: databaseUrl(infra.ORDERS_DB_URL, dbNames.orders), payments: databaseUrl(infra.ORDERS_DB_URL, dbNames.payments) };

// One instance of each service by default: on two cores a second instance of each adds
// processes to wake and halves every batch (README.md, "Round five"). BENCH_INSTANCES=2 runs the
// stack's two of each.
const instances = process.env.BENCH_INSTANCES || "1";
if (instances !== "1" && instances !== "2") throw new Error(`BENCH_INSTANCES must be 1 or 2, got "${instances}"`);
const topology = instances === "2" ? stackTopology() : stackTopology().filter(spec => spec.name.endsWith("-1"));
step(`starting ${topology.map(spec => spec.name).join(", ")} as separate processes`);
// BENCH_PROFILE=<dir>: every service process writes a CPU profile there when the run ends.
const mesh = await startBenchMesh(topology, { ...infra, ORDERS_DB_URL: urls.orders, PAYMENTS_DB_URL: urls.payments }, process.env.BENCH_PROFILE || undefined);
// Share of the machine's CPU time the host took for other guests, by phase (bench/report.ts).
const steal: Record<string, number> = {};
const results: Record<string, unknown> = { machine, smoke, instances: topology.map(spec => spec.name), spinIdle, startedAt: new Date().toISOString() };
try {
	step("limit: Kafka raw produce and consume (kafkajs)");
	const stolenDuringKafka = startStealCount();
	const kafka = await measureKafkaRawRate({ brokers: infra.KAFKA_BROKERS.split(","), messages: smoke ? 2000 : 200_000, batchSize: 1000, partitions: 6, onTick: progress });
	results.kafkaRaw = kafka;
	steal["Kafka limit"] = stolenDuringKafka();

	const { commit, driverRate } = await withLimitDatabases(admin, infra.ORDERS_DB_URL, suffix, async limitDbs => {
		step("limit: PostgreSQL's own rate for one order's three steps, one order per commit (pgbench, no services)");
		const stolenDuringPgbench = startStealCount();
		const commit = await measurePgbenchRate({ ...limitDbs, clients: 16, durationMs: seconds(21, 3), onTick: progress });
		steal["PostgreSQL limit"] = stolenDuringPgbench();
		step(`  ${commit.ordersPerSecond.toFixed(0)} orders/s (create ${commit.transactionsPerSecond.create.toFixed(0)}, pay ${commit.transactionsPerSecond.pay.toFixed(0)}, settle ${commit.transactionsPerSecond.settle.toFixed(0)} transactions/s)`);
		step("the same statements through node-postgres from one Node process");
		const driverRate = await measurePostgresCommitRate({ ...limitDbs, clients: 16, durationMs: seconds(10, 2), onTick: n => progress(`node-postgres: ${n} orders' transactions committed`) });
		step(`  ${driverRate.ordersPerSecond.toFixed(0)} orders/s`);
		return { commit, driverRate };
	});
	results.postgresCommitRate = commit;
	results.nodePostgresRate = driverRate;

	// The half-load p99 follows this price more than anything in Gozon (README.md, "Round thirteen").
	step("limit: what a wake-up costs on this host (a bare Node HTTP server at 600 and 6,000 requests/s)");
	const stolenDuringWakeups = startStealCount();
	const wakeups = await measureWakeupPrice({ rates: [600, 6000], secondsPerRate: seconds(5, 2) / 1000, warmupMs: seconds(3, 0.5), onStep: text => step(`  ${text}`), onTick: progress });
	steal["wake-up limit"] = stolenDuringWakeups();
	results.wakeupPrice = wakeups;

	step("setting up funded users");
	const users = await fundUsers(mesh.url, smoke ? 20 : 500);
	const observer = await observeSettlements(mesh.namespace, infra.TRANSPORTER, urls.orders);

	step(`end-to-end throughput at saturation for ${seconds(30, 3) / 1000} s`);
	const cpuAtSaturation = startCpuCount(mesh.pids());
	const throughput = await measureThroughput({ gateway: mesh.url, users, observer, concurrency: 64, durationMs: seconds(30, 3), warmupMs: smoke ? 500 : 5000, onTick: progress });
	const cpu = cpuAtSaturation();
	results.endToEnd = throughput;
	results.cpuAtSaturation = { ...cpu, orders: throughput.placed };
	steal.saturation = cpu.stolenShare;
	step(`  ${throughput.ordersPerSecond.toFixed(0)} orders/s settled (${throughput.createdPerSecond.toFixed(0)}/s created, ${throughput.unsettled} unsettled)`);

	// Create → final latency at a share of the saturation rate, and the CPU it kept busy.
	// Each rate runs this long first, uncounted: the step from the phase before is not the rate's latency.
	const warmupMs = smoke ? 500 : LATENCY_WARMUP_MS;
	const latencyAt = async (share: number, durationMs: number) => {
		const ratePerSecond = Math.max(1, Math.round(throughput.ordersPerSecond * share));
		step(`end-to-end latency at ${ratePerSecond} orders/s (${share * 100}% of saturation) for ${durationMs / 1000} s, after ${warmupMs / 1000} s at that rate not counted`);
		const cpuCount = startCpuCount(mesh.pids());
		const measured = await measureLatency({ gateway: mesh.url, users, observer, ratePerSecond, durationMs, warmupMs, onTick: progress });
		const { busyCores, stolenShare } = cpuCount();
		const point: LatencyAtLoad = { share, offeredPerSecond: ratePerSecond, p50: measured.p50, p95: measured.p95, p99: measured.p99, busyCores, stolenShare };
		step(`  p50 ${measured.p50.toFixed(1)} ms, p95 ${measured.p95.toFixed(1)} ms, p99 ${measured.p99.toFixed(1)} ms (${percent(stolenShare)} of the CPU time stolen by the host)`);
		return { measured, point };
	};
	const halfLoad = await latencyAt(0.5, seconds(20, 2));
	steal["half load"] = halfLoad.point.stolenShare;
	const latency = halfLoad.measured;
	results.latency = latency;
	// Where latency bends: the same measure at lighter loads.
	const latencyByLoad: LatencyAtLoad[] = [halfLoad.point];
	for (const share of [0.1, 0.25]) latencyByLoad.push((await latencyAt(share, seconds(10, 1))).point);
	latencyByLoad.sort((a, b) => a.share - b.share);
	results.latencyByLoad = latencyByLoad;
	await observer.stop();

	step("gateway: GET /api/orders/:id through moleculer-web and NATS, then a bare HTTP server");
	const sampleDb = new pg.Client({ connectionString: urls.orders });
	await sampleDb.connect();
	const sample = (await sampleDb.query(`select id, user_id from orders where description = 'bench' limit 1000`)).rows.map(r => ({ id: r.id, userId: r.user_id }));
	await sampleDb.end();
	const get = httpGetter(mesh.url, 32);
	let i = 0;
	const gatewayLoad = await closedLoop(32, seconds(15, 2), () => {
		const o = sample[i++ % sample.length];
		return get(`/api/orders/${o.id}`, { "x-user-id": o.userId });
	}, n => progress(`gateway: ${n} reads`));
	const gatewayRead = { requestsPerSecond: rate(gatewayLoad.ok, gatewayLoad.durationMs), errors: gatewayLoad.errors };
	const bareRead = await measureBareHttpRead({ ordersUrl: urls.orders, orders: sample, concurrency: 32, durationMs: seconds(15, 2), onTick: n => progress(`bare server: ${n} reads`) });
	results.gatewayRead = gatewayRead;
	results.bareHttpRead = bareRead;

	step("relay: publishing a pre-filled outbox backlog");
	const stolenDuringRelay = startStealCount();
	const relay = await measureRelay({ ordersUrl: urls.orders, rows: smoke ? 2000 : 100_000, onTick: progress });
	results.relay = relay;
	steal.relay = stolenDuringRelay();

	step("audit of the benchmark's databases");
	const pools = [new pg.Pool({ connectionString: urls.orders }), new pg.Pool({ connectionString: urls.payments })];
	const audit = await runAudit({ orders: queryOf(pools[0]), payments: queryOf(pools[1]), stuckAfterMs: 120_000 });
	await Promise.all(pools.map(p => p.end()));
	results.audit = { ok: audit.ok, violations: audit.violations.length, figures: audit.figures };
	step(`  audit ${audit.ok ? "OK" : `FAILED (${audit.violations.length} violations)`}`);

	const pgbenchLimitName = `PostgreSQL alone, pgbench${commit.protocol === "prepared" ? "" : ` -M ${commit.protocol}`}`;
	const rows: Row[] = [
		{ measure: "end-to-end orders/s (saturation)", value: throughput.ordersPerSecond, unit: "orders/s", limitName: pgbenchLimitName, limit: commit.ordersPerSecond, ratio: throughput.ordersPerSecond / commit.ordersPerSecond, target: "≥ 1,000/s and ≥ 50% of limit", met: throughput.ordersPerSecond >= 1000 && throughput.ordersPerSecond / commit.ordersPerSecond >= 0.5 },
		{ measure: "same statements via node-postgres, one process", value: driverRate.ordersPerSecond, unit: "orders/s", limitName: pgbenchLimitName, limit: commit.ordersPerSecond, ratio: driverRate.ordersPerSecond / commit.ordersPerSecond, target: "", met: null },
		{ measure: "create → final p99 at half load", value: latency.p99, unit: "ms", limitName: "target", limit: 150, ratio: 150 / latency.p99, target: "≤ 150 ms", met: latency.p99 <= 150 },
		{ measure: "create → final p50 at half load", value: latency.p50, unit: "ms", limitName: "", limit: null, ratio: null, target: "", met: null },
		{ measure: "create → final p99 at half load, its warm-up counted too", value: latency.p99WithWarmup, unit: "ms", limitName: "", limit: null, ratio: null, target: "", met: null },
		{ measure: "relay events/s", value: relay.eventsPerSecond, unit: "events/s", limitName: "kafkajs raw produce", limit: kafka.producePerSecond, ratio: relay.eventsPerSecond / kafka.producePerSecond, target: "≥ 20,000/s", met: relay.eventsPerSecond >= 20_000 },
		{ measure: "GET /api/orders/:id", value: gatewayRead.requestsPerSecond, unit: "req/s", limitName: "bare Node HTTP + same read", limit: bareRead.requestsPerSecond, ratio: gatewayRead.requestsPerSecond / bareRead.requestsPerSecond, target: "", met: null },
		{ measure: "Kafka raw consume", value: kafka.consumePerSecond, unit: "msg/s", limitName: "", limit: null, ratio: null, target: "", met: null },
	];
	results.rows = rows;
	results.steal = steal;
	const extras = { cpu: results.cpuAtSaturation as CpuReport, latencyByLoad, latencyWarmupMs: warmupMs, steal, spinIdle, wakeups };
	const files = writeReport(outDir, results, rows, machine, extras);
	step(`wrote ${files.join(", ")}`);
	process.stdout.write(`\n${markdownReport(rows, machine, extras)}\n`);
	if (!audit.ok || throughput.unsettled > 0 || latency.unsettled > 0) process.exitCode = 1;
} finally {
	await mesh.stop();
	await spinners?.stop();
	if (smoke) await dropDatabases(admin, Object.values(dbNames)).catch(() => undefined);
	await admin.end();
}
