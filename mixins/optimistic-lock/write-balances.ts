/**
 * Writes the new balances of many accounts in ONE statement, each row guarded by the version it
 * was read at. If any account moved on meanwhile (a top-up committed after the read), it throws
 * OptimisticLockError and the caller's transaction reruns, exactly as a flush of each account
 * would, but in one round trip instead of one per account. That round trip count is what a
 * consumed batch's transaction is long for (it holds the rows' locks the whole time).
 *
 * The other writes of the batch (its ledger rows, say) can ride in the same statement
 * (`alongside`, as data-modifying CTEs): a refused balance write throws, and the transaction's
 * rollback takes them too.
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

/** One more write for the same statement: an INSERT or UPDATE with its `?` parameters. */
export interface SqlWrite {
	sql: string;
	params: unknown[];
}

export async function writeBalances(em: SqlEntityManager, writes: BalanceWrite[], alongside: SqlWrite[] = []): Promise<void> {
	if (writes.length === 0 && alongside.length === 0) return;
	const steps = alongside.map((write, i) => `write_${i} as (${write.sql})`);
	const params = alongside.flatMap(write => write.params);
	if (writes.length > 0) {
		steps.push(`balanced as (
			update accounts as a
			   set balance = v.balance, version = a.version + 1, updated_at = ?
			  from (values ${writes.map(() => "(?::uuid, ?::bigint, ?::integer)").join(", ")}) as v (user_id, balance, version)
			 where a.user_id = v.user_id and a.version = v.version
			returning a.user_id)`);
		params.push(new Date(), ...writes.flatMap(w => [w.userId, w.balance, w.version]));
	}
	const [{ balanced }] = await em.execute<{ balanced: number }[]>(
		`with ${steps.join(",\n")} select ${writes.length > 0 ? "(select count(*) from balanced)" : "0"}::integer as balanced`,
		params,
	);
	if (balanced !== writes.length) {
		throw OptimisticLockError.lockFailed(`Account (${writes.length - balanced} of ${writes.length} changed concurrently)`);
	}
}
