/** Remembered responses of requests sent with an Idempotency-Key, per user and operation. */
export const createIdempotencyTableSql = [
	`create table idempotency_keys (
		user_id uuid not null,
		scope varchar(40) not null,
		key varchar(200) not null,
		request_hash char(64) not null,
		response jsonb null,
		created_at timestamptz not null default clock_timestamp(),
		primary key (user_id, scope, key)
	)`,
	`create index idempotency_keys_created_at_idx on idempotency_keys (created_at)`,
];
