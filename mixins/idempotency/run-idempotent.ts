/**
 * Idempotency-Key support. The first request with a key claims it and stores its response in
 * the same commit as its effect; a repeat (even a concurrent one, which waits on the key's row
 * lock) gets that stored response back and has no effect. Reusing a key for a different request
 * is refused. `runIdempotent` does it inside the caller's transaction; a caller that claims keys
 * in one statement of its own (services/orders/insert-orders.ts) uses the helpers below it.
 */
import { createHash } from "node:crypto";
import { uuidKey } from "../../domain/uuid-key.js";
import { unprocessable } from "../../infra/errors.js";
import type { SqlEntityManager } from "../orm.mixin.js";

export interface IdempotencyScope {
	userId: string;
	/** The operation, e.g. "orders.create"; keys of different operations never collide. */
	scope: string;
	key: string | undefined;
	/** The request's parameters, to detect a key reused for a different request. */
	request: unknown;
}

export interface IdempotentResult<T> {
	result: T;
	replayed: boolean;
}

/** What a stored key remembers: the request it was first used for, and the answer given. */
export interface StoredResponse<T> {
	requestHash: string;
	response: T;
}

export function hashRequest(request: unknown): string {
	return createHash("sha256").update(JSON.stringify(request)).digest("hex");
}

/** The stored answer for a repeat of the same request; a key reused for another request is refused. */
export function replayStored<T>(stored: StoredResponse<T>, requestHash: string): T {
	if (stored.requestHash !== requestHash) {
		throw unprocessable("IDEMPOTENCY_KEY_REUSED", "This Idempotency-Key was already used for a different request.", [
			{ field: "Idempotency-Key", message: "The key was already used with other parameters." },
		]);
	}
	return stored.response;
}

/** A stored key's place in readStoredResponses' answer. */
export const storedKey = (userId: string, key: string) => `${uuidKey(userId)}/${key}`;

/** The stored answers of committed keys of one operation, by `${userId}/${key}` (user id as uuidKey). */
export async function readStoredResponses<T>(em: SqlEntityManager, scope: string, keys: { userId: string; key: string }[]): Promise<Map<string, StoredResponse<T>>> {
	if (keys.length === 0) return new Map();
	const rows = await em.execute<{ user_id: string; key: string; request_hash: string; response: T }[]>(
		`select user_id, key, request_hash, response from idempotency_keys
		  where scope = ? and (user_id, key) in (${keys.map(() => "(?::uuid, ?::text)").join(", ")})`,
		[scope, ...keys.flatMap(k => [k.userId, k.key])],
	);
	return new Map(rows.map(row => [storedKey(row.user_id, row.key), { requestHash: row.request_hash, response: row.response }]));
}

export async function runIdempotent<T>(
	em: SqlEntityManager,
	scope: IdempotencyScope,
	work: () => Promise<T>,
): Promise<IdempotentResult<T>> {
	if (!scope.key) return { result: await work(), replayed: false };
	const hash = hashRequest(scope.request);
	const claimed = await em.execute<unknown[]>(
		`insert into idempotency_keys (user_id, scope, key, request_hash) values (?, ?, ?, ?)
		 on conflict do nothing returning key`,
		[scope.userId, scope.scope, scope.key, hash],
	);
	if (claimed.length === 0) {
		const [previous] = await em.execute<{ request_hash: string; response: T }[]>(
			`select request_hash, response from idempotency_keys where user_id = ? and scope = ? and key = ?`,
			[scope.userId, scope.scope, scope.key],
		);
		return { result: replayStored({ requestHash: previous.request_hash, response: previous.response }, hash), replayed: true };
	}
	const result = await work();
	await em.execute(`update idempotency_keys set response = ?::jsonb where user_id = ? and scope = ? and key = ?`, [
		JSON.stringify(result),
		scope.userId,
		scope.scope,
		scope.key,
	]);
	return { result, replayed: false };
}
