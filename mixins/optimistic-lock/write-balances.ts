/**
 * Writes the new balances of many accounts in ONE statement, each row guarded by the version it
 * was read at. If any account moved on meanwhile (a top-up committed after the read), the
 * statement refuses itself as a whole (raise_conflict_unless, conflict-guard.sql.ts) and this
 * throws OptimisticLockError, so the caller reruns its unit of work, exactly as a flush of each
 * account would, but in one round trip instead of one per account and with no transaction
 * around it: a single statement commits whole or not at all.
 *
 * The other writes of the unit of work (its inbox rows, ledger rows, outbox rows) ride in the same
 * statement (`alongside`, as data-modifying CTEs), so they stand or fall with the balances; each
 * one's RETURNING rows come back under its name.
 *
 * MikroORM's flush cannot do this: a flush of several versioned rows checks their versions with
 * a separate SELECT first, and a concurrent top-up could commit between the check and the write.
 */
import { DeadlockException, OptimisticLockError } from "@mikro-orm/core";
import { pgArray, runStatement } from "../../infra/db/run-statement.js";
import type { SqlEntityManager, SqlWrite } from "../orm.mixin.js";

export interface BalanceWrite {
	userId: string;
	/** The version the balance was read at. */
	version: number;
	balance: number;
}

/** A write of the same statement with a RETURNING clause: its rows come back under `name`. */
export interface NamedWrite extends SqlWrite {
	name: string;
}

const REFUSED = "accounts changed concurrently";

export async function writeBalances(
	em: SqlEntityManager,
	writes: BalanceWrite[],
	alongside: (SqlWrite | NamedWrite)[] = [],
): Promise<Record<string, Record<string, unknown>[]>> {
	if (writes.length === 0 && alongside.length === 0) return {};
	const named = alongside.map((write, i) => ({ ...write, name: "name" in write ? write.name : `write_${i}`, returns: "name" in write }));
	const steps = named.map(write => `${write.name} as (${write.sql})`);
	const params = named.flatMap(write => write.params);
	const columns = named.filter(write => write.returns).map(write => `(select coalesce(json_agg(r), '[]') from ${write.name} r) as ${write.name}`);
	if (writes.length > 0) {
		steps.push(`balanced as (
			update accounts as a
			   set balance = v.balance, version = a.version + 1, updated_at = ?::timestamptz
			  from unnest(?::uuid[], ?::bigint[], ?::integer[]) as v (user_id, balance, version)
			 where a.user_id = v.user_id and a.version = v.version
			returning a.user_id)`);
		params.push(new Date(), pgArray(writes.map(w => w.userId)), pgArray(writes.map(w => w.balance)), pgArray(writes.map(w => w.version)));
		columns.push(`raise_conflict_unless((select count(*) from balanced) = ?::bigint, ?::text) as guarded`);
		params.push(writes.length, REFUSED);
	}
	try {
		if (columns.length === 0) columns.push("true as written");
		// The same text for any number of rows in each write (run-statement.ts prepares it once).
		const [row] = await runStatement<Record<string, Record<string, unknown>[]>>(em, `with ${steps.join(",\n")} select ${columns.join(", ")}`, params);
		return row;
	} catch (err) {
		if (err instanceof DeadlockException && err.message.includes(REFUSED)) {
			throw OptimisticLockError.lockFailed(`Account (one of ${writes.length} changed concurrently)`);
		}
		throw err;
	}
}
