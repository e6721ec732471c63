/**
 * The outbox table every publishing service carries in its own database. Rows are written in
 * the same statement (or transaction) as the state change they announce, then published by the
 * relay.
 */
export const OUTBOX_NOTIFY_CHANNEL = "gozon_outbox";

export const createOutboxTableSql = [
	`create table outbox_messages (
		seq bigserial primary key,
		id uuid not null unique,
		topic varchar(200) not null,
		key varchar(200) not null,
		payload jsonb not null,
		headers jsonb not null default '{}'::jsonb,
		created_at timestamptz not null default clock_timestamp(),
		published_at timestamptz null,
		attempts integer not null default 0,
		last_error text null,
		next_attempt_at timestamptz null,
		claimed_by varchar(100) null,
		claimed_until timestamptz null,
		parked_at timestamptz null
	)`,
	// The relay's claim query only ever scans the pending rows, in commit order.
	`create index outbox_messages_pending_idx on outbox_messages (seq)
		where published_at is null and parked_at is null`,
	`create index outbox_messages_published_at_idx on outbox_messages (published_at)
		where published_at is not null`,
];

/**
 * Room on every page for a row's next version: a claim that writes a lease (columns in no index)
 * can then update a row in place (a HOT update) instead of adding an entry to every index. Since
 * the claim on PostgreSQL only locks its rows, that is the embedded mode's claim alone; the
 * setting stays, as a migration of its own would only change pages written from then on.
 */
export const outboxFillFactorSql = `alter table outbox_messages set (fillfactor = 70)`;

/**
 * Parked rows are few and the table keeps every published row for the retention period: the
 * backlog gauge counts them on this index instead of scanning the table.
 */
export const outboxParkedIndexSql = `create index outbox_messages_parked_idx on outbox_messages (seq) where parked_at is not null`;
