/**
 * Idempotency-Key support, inside the caller's transaction. The first request with a key
 * claims it and stores its response in the same commit as its effect; a repeat (even a
 * concurrent one, which waits on the key's row lock) gets that stored response back and has
 * no effect. Reusing a key for a different request is refused.
 */
import { createHash } from "node:crypto";
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

function hashRequest(request: unknown): string {
	return createHash("sha256").update(JSON.stringify(request)).digest("hex");
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
		if (previous.request_hash !== hash) {
			throw unprocessable("IDEMPOTENCY_KEY_REUSED", "This Idempotency-Key was already used for a different request.", [
				{ field: "Idempotency-Key", message: "The key was already used with other parameters." },
			]);
		}
		return { result: previous.response, replayed: true };
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
