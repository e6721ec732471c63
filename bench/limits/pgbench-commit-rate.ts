/**
 * PostgreSQL's own limit for Gozon's work, measured with pgbench (PostgreSQL's C client,
 * prepared statements, two threads) so that the client never is the bottleneck: each of an
 * order's three steps (create with its outbox row; pay, a read and then one write of inbox,
 * account, ledger, payment and outbox rows; settle with inbox and status), one order per
 * commit, runs alone on the whole box, and the orders per second the database can commit is
 * 1 / (1/create + 1/pay + 1/settle). The services commit several orders at once under load
 * (group commit, consumed batches), so they can pass this limit. The limit's outbox rows are
 * written as already published: the relay's work (its claim or lease, and the update that marks
 * each row published) is not part of it, which makes the limit a little higher than the work.
 */
import { execFile, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { envelope } from "./postgres-commit-rate.js";

export interface PgbenchRate {
	ordersPerSecond: number;
	/** Transactions per second of each kind, each measured alone. */
	transactionsPerSecond: { create: number; pay: number; settle: number };
	clients: number;
	tool: string;
	/** pgbench's -M: how statements are sent (PGBENCH_PROTOCOL). */
	protocol: string;
}

/**
 * 200 users and 500,000 NEW orders, with ids pgbench can compute from a number: enough that a
 * settle seldom picks an order settled before (a few percent of them in a run of seconds), so
 * nearly every settle moves an order from NEW, as the services' settles do.
 */
const USERS = 200;
const ORDERS = 500_000;
const uuidOf = (variable: string) => `('00000000-0000-4000-8000-' || lpad(${variable}::text, 12, '0'))::uuid`;
const event = (type: string) => envelope(type, randomUUID(), randomUUID());

/**
 * Each step as the services send it for one order, unbatched: a statement of data-modifying CTEs
 * with no BEGIN and COMMIT around it (services/orders/insert-orders.ts, settle-orders.ts,
 * payments/batch-statements.ts with mixins/optimistic-lock/write-balances.ts).
 */
const SCRIPTS = {
	create: `\\set u random(1, ${USERS})
with new_order as (
  insert into orders (id, user_id, amount, description, status, created_at, updated_at) values (gen_random_uuid(), ${uuidOf(":u")}, 1, 'bench', 'NEW', now(), now()) returning id)
insert into outbox_messages (id, topic, key, payload, published_at) select gen_random_uuid(), 'gozon.bench.limit', 'k', '${event("gozon.order.created")}'::jsonb, now() from new_order;
`,
	pay: `\\set u random(1, ${USERS})
select user_id, balance, version, null::uuid as decided from accounts where user_id = ${uuidOf(":u")} union all select null, null, null, order_id from payments where order_id = ${uuidOf(":u")};
with recorded as (
  insert into inbox_messages (event_id, type, source, topic) values (gen_random_uuid(), 'gozon.order.created', 'bench', 'bench') on conflict do nothing returning event_id),
paid as (
  insert into payments (order_id, user_id, amount, outcome, created_at) values (gen_random_uuid(), ${uuidOf(":u")}, 1, 'SUCCEEDED', now())),
debited as (
  insert into ledger_entries (id, user_id, type, amount, order_id, created_at) values (gen_random_uuid(), ${uuidOf(":u")}, 'DEBIT', 1, gen_random_uuid(), now())),
balanced as (
  update accounts set balance = balance - 1, version = version + 1, updated_at = now() where user_id = ${uuidOf(":u")} returning user_id),
events as (
  insert into outbox_messages (id, topic, key, payload, published_at) values (gen_random_uuid(), 'gozon.bench.limit', 'k', '${event("gozon.payment.succeeded")}'::jsonb, now()) returning seq, id)
select (select count(*) from recorded), (select count(*) from events), raise_conflict_unless((select count(*) from balanced) = 1, 'accounts changed concurrently');
`,
	settle: `\\set o random(1, ${ORDERS})
with recorded as (
  insert into inbox_messages (event_id, type, source, topic) values (gen_random_uuid(), 'gozon.payment.succeeded', 'bench', 'bench') on conflict do nothing returning event_id)
update orders set status = 'FINISHED', updated_at = now() where id = ${uuidOf(":o")} and status = 'NEW' and exists (select 1 from recorded);
`,
};

async function seed(ordersUrl: string, paymentsUrl: string): Promise<void> {
	const payments = new pg.Client({ connectionString: paymentsUrl });
	await payments.connect();
	await payments.query(`insert into accounts (user_id, balance, version, created_at, updated_at)
		select ${uuidOf("g")}, 1000000000, 1, now(), now() from generate_series(1, ${USERS}) g`);
	await payments.end();
	const orders = new pg.Client({ connectionString: ordersUrl });
	await orders.connect();
	await orders.query(`insert into orders (id, user_id, amount, description, status, created_at, updated_at)
		select ${uuidOf("g")}, ${uuidOf(`(g % ${USERS} + 1)`)}, 1, 'bench', 'NEW', now(), now() from generate_series(1, ${ORDERS}) g`);
	await orders.query("vacuum analyze orders");
	await orders.end();
}

/**
 * pgbench's protocol: "prepared" by default, the best the database does (each statement parsed
 * and planned once per connection, on tables seeded and analyzed; the services plan each
 * execution, infra/db/plan-each-execution.ts, so this limit leaves out their planning).
 * PGBENCH_PROTOCOL=simple sends every statement as text to be parsed and planned each time, as
 * the services' statements went before round seven: the difference between the two is what
 * preparing them is worth.
 */
const PROTOCOL = process.env.PGBENCH_PROTOCOL ?? "prepared";
if (!["prepared", "simple", "extended"].includes(PROTOCOL)) throw new Error(`PGBENCH_PROTOCOL must be prepared, simple or extended, got "${PROTOCOL}"`);

/** Runs one script; returns its transactions per second. */
function pgbench(url: string, script: string, clients: number, seconds: number, onTick?: (text: string) => void): Promise<number> {
	return new Promise((resolve, reject) => {
		const child = spawn("pgbench", ["-n", "-c", String(clients), "-j", "2", "-T", String(seconds), "-M", PROTOCOL, "-P", "1", "-f", script, url]);
		let out = "";
		let err = "";
		child.stdout.on("data", chunk => (out += chunk));
		child.stderr.on("data", chunk => {
			err += chunk;
			const progress = String(chunk).trim().split("\n").pop();
			if (progress?.startsWith("progress:")) onTick?.(`pgbench ${path.basename(script, ".sql")}: ${progress.slice(10)}`);
		});
		child.on("error", reject);
		child.on("close", code => {
			const tps = /tps = ([\d.]+)/.exec(out);
			// pgbench counts a transaction that failed on a serialization error as failed, not as an abort.
			const failed = Number(/number of failed transactions: (\d+)/.exec(out)?.[1] ?? 0);
			if (code !== 0 || !tps || failed > 0) reject(new Error(`pgbench ${path.basename(script)} failed (${code}, ${failed} failed transactions): ${err.slice(-500)}`));
			else resolve(Number(tps[1]));
		});
	});
}

export async function measurePgbenchRate(opts: { ordersUrl: string; paymentsUrl: string; clients: number; durationMs: number; onTick?: (text: string) => void }): Promise<PgbenchRate> {
	const { stdout: version } = await promisify(execFile)("pgbench", ["--version"]);
	await seed(opts.ordersUrl, opts.paymentsUrl);
	const dir = mkdtempSync(path.join(tmpdir(), "gozon-pgbench-"));
	try {
		const seconds = Math.max(1, Math.round(opts.durationMs / 3000));
		const rates = { create: 0, pay: 0, settle: 0 };
		for (const kind of ["create", "pay", "settle"] as const) {
			const script = path.join(dir, `${kind}.sql`);
			writeFileSync(script, SCRIPTS[kind]);
			rates[kind] = await pgbench(kind === "pay" ? opts.paymentsUrl : opts.ordersUrl, script, opts.clients, seconds, opts.onTick);
		}
		return { ordersPerSecond: 1 / (1 / rates.create + 1 / rates.pay + 1 / rates.settle), transactionsPerSecond: rates, clients: opts.clients, tool: version.trim(), protocol: PROTOCOL };
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
}
