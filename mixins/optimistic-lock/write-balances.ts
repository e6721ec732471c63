/**
 * Writes the new balances of many accounts in ONE statement, each row guarded by the version it
 * was read at. If any account moved on meanwhile (a top-up committed after the read), nothing is
 * kept: it throws OptimisticLockError and the caller's transaction reruns, exactly as a flush of
 * each account would, but in one round trip instead of one per account. That round trip count is
 * what a consumed batch's transaction is long for (it holds the rows' locks the whole time).
 *
 * MikroORM's flush cannot do this: a flush of several versioned rows checks their versions with
 * a separate SELECT first, and a concurrent top-up could commit between the check and the write.
 */
import { OptimisticLockError } from "@mikro-orm/core";
import type { SqlEntityManager } from "../orm.mixin.js";

export interface BalanceWrite {
	userId: string;
	/** The version the balance was read at. */
	version: number;
	balance: number;
}

export async function writeBalances(em: SqlEntityManager, writes: BalanceWrite[]): Promise<void> {
	if (writes.length === 0) return;
	const result = await em.execute<{ affectedRows?: number }>(
		`update accounts as a
		    set balance = v.balance, version = a.version + 1, updated_at = ?
		   from (values ${writes.map(() => "(?::uuid, ?::bigint, ?::integer)").join(", ")}) as v (user_id, balance, version)
		  where a.user_id = v.user_id and a.version = v.version`,
		[new Date(), ...writes.flatMap(w => [w.userId, w.balance, w.version])],
		"run",
	);
	if (result.affectedRows !== writes.length) {
		throw OptimisticLockError.lockFailed(`Account (${writes.length - (result.affectedRows ?? 0)} of ${writes.length} changed concurrently)`);
	}
}
