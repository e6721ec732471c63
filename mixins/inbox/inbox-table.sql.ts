/**
 * The inbox table of a consuming service: one row per event envelope id it has applied,
 * written in the same statement (or transaction) as the event's effect.
 */
export const createInboxTableSql = [
	`create table inbox_messages (
		event_id uuid primary key,
		type varchar(200) not null,
		source varchar(200) not null,
		topic varchar(200) not null,
		received_at timestamptz not null default clock_timestamp()
	)`,
	`create index inbox_messages_received_at_idx on inbox_messages (received_at)`,
];
