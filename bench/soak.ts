/**
 * `npm run soak`: a bounded load test on the full topology (loopback only) mixing top-ups,
 * orders and reads for many users while faults are injected on a schedule — kill -9 of a
 * payments and of an orders instance, a Kafka restart, a SIGTERM — then reports requests, errors
 * by class and the audit. Exit status 1 when an order is lost or doubled or the audit fails.
 * SOAK_SECONDS (default 180) bounds the load.
 */
import { randomUUID } from "node:crypto";
import pg from "pg";
import { queryOf } from "../infra/audit/pg-query.js";
import { formatAudit, runAudit } from "../infra/audit/run-audit.js";
import { ensureInfra, startKafka, stopKafka } from "../infra/local/index.js";
import { stackTopology } from "../infra/local/service-processes.js";
import { createFreshDatabases, databaseUrl, dropDatabases } from "./fresh-databases.js";
import { httpGetter, httpPoster } from "./http-get.js";
import { progress, step } from "./progress.js";
import { startBenchMesh } from "./system/bench-mesh.js";

const seconds = Number(process.env.SOAK_SECONDS ?? 180);
const quiet = () => undefined;
const infra = await ensureInfra({ log: line => step(line) });

const suffix = randomUUID().slice(0, 6);
const dbNames = { orders: `gozon_soak_orders_${suffix}`, payments: `gozon_soak_payments_${suffix}` };
const admin = new pg.Client({ connectionString: infra.ORDERS_DB_URL });
await admin.connect();
await createFreshDatabases(admin, Object.values(dbNames));
const urls = { orders: databaseUrl(infra.ORDERS_DB_URL, dbNames.orders), payments: databaseUrl(infra.ORDERS_DB_URL, dbNames.payments) };

step(`soak: ${seconds} s of mixed load on gateway + 2 × orders + 2 × payments, with faults`);
const mesh = await startBenchMesh(stackTopology(), { ...infra, ORDERS_DB_URL: urls.orders, PAYMENTS_DB_URL: urls.payments, OUTBOX_LEASE_MS: "5000" });
const post = httpPoster(mesh.url, 64);
const get = httpGetter(mesh.url, 64);
const users = Array.from({ length: 60 }, () => randomUUID());
for (const u of users) await post("/api/accounts", {}, { "x-user-id": u });

const classes = new Map<string, number>();
const count = (name: string) => classes.set(name, (classes.get(name) ?? 0) + 1);
const classify = (status: number) => (status >= 200 && status < 300 ? "2xx" : status === 503 ? "503 (dependency down)" : status === 429 ? "429" : status >= 500 ? "other 5xx" : status > 0 ? "4xx" : "no answer");
const acceptedOrders = new Set<string>();
const faults: string[] = [];

const schedule: [number, string, () => Promise<unknown>][] = [
	[0.15, "kill -9 payments-1", async () => (await mesh.kill("payments-1"), await mesh.restart("payments-1"))],
	[0.35, "kill -9 orders-1", async () => (await mesh.kill("orders-1"), await mesh.restart("orders-1"))],
	[0.55, "Kafka stopped and restarted", async () => (await stopKafka({ log: quiet }), await new Promise(r => setTimeout(r, 3000)), await startKafka({ log: quiet }))],
	[0.75, "SIGTERM payments-2", async () => (await mesh.terminate("payments-2"), await mesh.restart("payments-2"))],
];

const started = Date.now();
const end = started + seconds * 1000;
const faultRuns: Promise<unknown>[] = [];
const faultTimer = setInterval(() => {
	const elapsed = (Date.now() - started) / (seconds * 1000);
	while (schedule.length > 0 && schedule[0][0] <= elapsed) {
		const [, name, run] = schedule.shift()!;
		faults.push(name);
		step(`fault: ${name}`);
		faultRuns.push(run().catch(err => step(`fault ${name} failed: ${(err as Error).message}`)));
	}
	progress(`soak: ${Math.round((Date.now() - started) / 1000)}/${seconds} s, ${[...classes].map(([k, v]) => `${k} ${v}`).join(", ")}`);
}, 500);

await Promise.all(
	Array.from({ length: 16 }, async () => {
		while (Date.now() < end) {
			const user = users[Math.floor(Math.random() * users.length)];
			const roll = Math.random();
			try {
				if (roll < 0.2) {
					count(classify((await post("/api/accounts/me/deposits", { amount: 500 }, { "x-user-id": user, "idempotency-key": randomUUID() })).status));
				} else if (roll < 0.6) {
					const res = await post("/api/orders", { amount: 100, description: "soak" }, { "x-user-id": user, "idempotency-key": randomUUID() });
					count(classify(res.status));
					if (res.status === 201) acceptedOrders.add(JSON.parse(res.body).id);
				} else {
					await get(roll < 0.8 ? "/api/orders?pageSize=5" : "/api/accounts/me", { "x-user-id": user }).then(
						() => count("2xx"),
						(err: Error) => count(classify(Number(/HTTP (\d+)/.exec(err.message)?.[1] ?? 0))),
					);
				}
			} catch {
				count("no answer");
			}
		}
	}),
);
clearInterval(faultTimer);
await Promise.all(faultRuns);

step("load over; waiting for every accepted order to settle");
const ordersDb = new pg.Pool({ connectionString: urls.orders });
const paymentsDb = new pg.Pool({ connectionString: urls.payments });
let unsettled = acceptedOrders.size;
for (const deadline = Date.now() + 180_000; Date.now() < deadline; ) {
	const { rows } = await ordersDb.query(`select count(*)::int as n from orders where status = 'NEW'`);
	unsettled = rows[0].n;
	progress(`soak: ${unsettled} orders still NEW`);
	if (unsettled === 0) break;
	await new Promise(resolve => setTimeout(resolve, 1000));
}
const { rows: stored } = await ordersDb.query(`select id from orders where id = any($1::uuid[])`, [[...acceptedOrders]]);
const lost = acceptedOrders.size - stored.length;
const audit = await runAudit({ orders: queryOf(ordersDb), payments: queryOf(paymentsDb), stuckAfterMs: 180_000 });
const doubled = audit.violations.filter(v => /\d+ DEBITs/.test(v.detail)).length;
await Promise.all([ordersDb.end(), paymentsDb.end()]);
await mesh.stop();
// A failed audit keeps its databases for a look; a clean run leaves nothing behind.
if (audit.ok) await dropDatabases(admin, Object.values(dbNames)).catch(() => undefined);
await admin.end();

const total = [...classes.values()].reduce((a, b) => a + b, 0);
const lines = [
	"",
	`| soak of ${seconds} s | |`,
	"| --- | ---: |",
	`| requests | ${total} |`,
	...[...classes].sort().map(([k, v]) => `| ${k} | ${v} (${((v / total) * 100).toFixed(1)}%) |`),
	`| faults injected | ${faults.length}: ${faults.join("; ")} |`,
	`| orders accepted (201) | ${acceptedOrders.size} |`,
	`| orders finished / canceled | ${audit.figures.orders.FINISHED} / ${audit.figures.orders.CANCELED} |`,
	`| orders still NEW | ${unsettled} |`,
	`| orders lost | ${lost} |`,
	`| orders doubled | ${doubled} |`,
	`| audit | ${audit.ok ? "OK" : `FAILED (${audit.violations.length})`} |`,
];
process.stdout.write(`${lines.join("\n")}\n`);
if (!audit.ok) process.stdout.write(`\n${formatAudit(audit)}\n\ndatabases kept for inspection: ${Object.values(dbNames).join(", ")}\n`);
process.exitCode = lost > 0 || doubled > 0 || unsettled > 0 || !audit.ok || classes.has("other 5xx") ? 1 : 0;
