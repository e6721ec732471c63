/**
 * The books, checked across both databases. Each service owns its database, so no single query
 * can see an order and its debit together: the audit reads both and compares them.
 *
 * Violations (the system broke a guarantee):
 *   - an account whose balance is not credits − debits, or is negative;
 *   - a FINISHED order without exactly one DEBIT of its amount, or with it for another user;
 *   - a CANCELED order with a DEBIT; a DEBIT for no order at all;
 *   - an order still NEW past the bound while the system is healthy.
 * Figures (reported, not judged): orders by status, outbox backlog and parked rows per service,
 * dead-lettered messages per topic.
 */
export type Query = <T = Record<string, unknown>>(sql: string, params?: unknown[]) => Promise<T[]>;

export interface AuditInput {
	orders: Query;
	payments: Query;
	/** An order NEW for longer than this is stuck. */
	stuckAfterMs: number;
	/** Messages per dead-letter topic, when the event log can tell. */
	deadLetters?: Record<string, number>;
}

export interface Violation {
	check: string;
	subject: string;
	detail: string;
}

export interface AuditReport {
	ok: boolean;
	violations: Violation[];
	figures: {
		accounts: number;
		orders: Record<string, number>;
		debits: number;
		credits: number;
		outbox: Record<string, { pending: number; parked: number }>;
		deadLetters: Record<string, number>;
	};
}

const MAX_LISTED = 50;

export async function runAudit(input: AuditInput): Promise<AuditReport> {
	const violations: Violation[] = [];
	const add = (check: string, subject: string, detail: string) => violations.push({ check, subject, detail });

	const accounts = await input.payments<{ user_id: string; balance: string; net: string }>(
		`select a.user_id, a.balance::text as balance,
		        coalesce(sum(case when l.type = 'CREDIT' then l.amount else -l.amount end), 0)::text as net
		   from accounts a left join ledger_entries l on l.user_id = a.user_id
		  group by a.user_id, a.balance`,
	);
	for (const a of accounts) {
		if (BigInt(a.balance) !== BigInt(a.net)) add("balance = credits − debits", `account ${a.user_id}`, `balance ${a.balance}, ledger says ${a.net}`);
		if (BigInt(a.balance) < 0n) add("balance ≥ 0", `account ${a.user_id}`, `balance ${a.balance}`);
	}

	const debits = await input.payments<{ order_id: string; user_id: string; amount: string; n: string }>(
		`select order_id, min(user_id::text) as user_id, sum(amount)::text as amount, count(*)::text as n
		   from ledger_entries where type = 'DEBIT' group by order_id`,
	);
	const debitByOrder = new Map(debits.map(d => [d.order_id, d]));
	const [{ credits }] = await input.payments<{ credits: string }>(`select count(*)::text as credits from ledger_entries where type = 'CREDIT'`);

	const orders = await input.orders<{ id: string; user_id: string; amount: string; status: string; stuck: boolean }>(
		`select id, user_id, amount::text as amount, status,
		        (status = 'NEW' and created_at < clock_timestamp() - (? || ' milliseconds')::interval) as stuck
		   from orders`,
		[String(input.stuckAfterMs)],
	);
	const byStatus: Record<string, number> = { NEW: 0, FINISHED: 0, CANCELED: 0 };
	const orderIds = new Set<string>();
	for (const o of orders) {
		orderIds.add(o.id);
		byStatus[o.status] = (byStatus[o.status] ?? 0) + 1;
		const debit = debitByOrder.get(o.id);
		if (o.status === "FINISHED") {
			if (!debit) add("FINISHED has one DEBIT", `order ${o.id}`, "no DEBIT");
			else if (debit.n !== "1") add("FINISHED has one DEBIT", `order ${o.id}`, `${debit.n} DEBITs`);
			else if (debit.amount !== o.amount) add("FINISHED has one DEBIT", `order ${o.id}`, `DEBIT of ${debit.amount} for an order of ${o.amount}`);
			else if (debit.user_id !== o.user_id) add("FINISHED has one DEBIT", `order ${o.id}`, `debited user ${debit.user_id}, ordered by ${o.user_id}`);
		} else if (o.status === "CANCELED" && debit) {
			add("CANCELED has no DEBIT", `order ${o.id}`, `${debit.n} DEBIT(s) of ${debit.amount}`);
		} else if (o.stuck) {
			add("no order stuck NEW", `order ${o.id}`, `NEW for more than ${input.stuckAfterMs} ms`);
		}
	}
	for (const d of debits) if (!orderIds.has(d.order_id)) add("no DEBIT without an order", `order ${d.order_id}`, `DEBIT of ${d.amount} for user ${d.user_id}`);

	const outbox: AuditReport["figures"]["outbox"] = {};
	for (const [service, query] of [["orders", input.orders], ["payments", input.payments]] as const) {
		const [row] = await query<{ pending: string; parked: string }>(
			`select count(*) filter (where published_at is null and parked_at is null)::text as pending,
			        count(*) filter (where parked_at is not null)::text as parked
			   from outbox_messages`,
		);
		outbox[service] = { pending: Number(row.pending), parked: Number(row.parked) };
	}

	return {
		ok: violations.length === 0,
		violations,
		figures: {
			accounts: accounts.length,
			orders: byStatus,
			debits: debits.reduce((n, d) => n + Number(d.n), 0),
			credits: Number(credits),
			outbox,
			deadLetters: input.deadLetters ?? {},
		},
	};
}

export function formatAudit(report: AuditReport): string {
	const f = report.figures;
	const lines = [
		report.ok ? "AUDIT OK: every guarantee holds" : `AUDIT FAILED: ${report.violations.length} violation(s)`,
		"",
		`  accounts            ${f.accounts}`,
		`  orders              NEW ${f.orders.NEW}   FINISHED ${f.orders.FINISHED}   CANCELED ${f.orders.CANCELED}`,
		`  ledger              ${f.credits} credits, ${f.debits} debits`,
		...Object.entries(f.outbox).map(([s, o]) => `  outbox ${s.padEnd(12)} ${o.pending} pending, ${o.parked} parked`),
		...Object.entries(f.deadLetters).map(([t, n]) => `  dead letters        ${t}: ${n}`),
	];
	if (!report.ok) {
		lines.push("", "  violations:");
		for (const v of report.violations.slice(0, MAX_LISTED)) lines.push(`    [${v.check}] ${v.subject}: ${v.detail}`);
		if (report.violations.length > MAX_LISTED) lines.push(`    … and ${report.violations.length - MAX_LISTED} more`);
	}
	return lines.join("\n");
}
