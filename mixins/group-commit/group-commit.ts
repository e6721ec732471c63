/**
 * Group commit: calls that arrive while `maxInFlight` transactions are running wait for one of
 * them to finish, then share the next transaction (or the next statement, which is a transaction
 * of its own). Under load a database runs out of commits, and a service of round trips, long
 * before either runs out of work: N calls in one transaction pay for each multi-row statement and
 * the commit once. A call to an idle service starts at once; the busier the service, the larger
 * the groups.
 *
 * A shared transaction that failed before its commit (`failedBeforeCommit`) wrote nothing, so its
 * calls run again in two halves, and so on down to the one call at fault, which fails alone; the
 * others are written. A failure that is everyone's (the database is unreachable), or one whose
 * outcome is unknown (the commit itself failed), fails every call of the group at once: running
 * them again could write them twice.
 */

export interface GroupCommitOptions<I, O> {
	/**
	 * Runs the calls in ONE transaction (or one statement, which is a transaction of its own) and
	 * answers each, in the order given; a call that fails on its own while the others are written
	 * gets a `CallFailed`. It wraps the body of its transaction, or the statement, in
	 * `failedBeforeCommit`, so that an error there is known to have written nothing.
	 */
	run(calls: I[]): Promise<(O | CallFailed)[]>;
	/** Most calls in one transaction (or statement). */
	maxSize: number;
	/** Transactions (or statements) in flight at once; calls beyond them wait for the next one. */
	maxInFlight: number;
	/** A failure no call would escape on its own (the database is down): nothing is run again. */
	failsEveryCall?(err: unknown): boolean;
	/** Starts a transaction outside the context of whichever call happened to start it (its trace, say). */
	detached?<T>(work: () => T): T;
}

export interface GroupCommitStats {
	calls: number;
	/** Transactions (or statements) the calls took (calls / transactions = mean group size). */
	transactions: number;
	/** Failed groups run again in two halves to find the call at fault. */
	splits: number;
}

interface Waiting<I, O> {
	call: I;
	resolve(answer: O): void;
	reject(err: unknown): void;
}

/** An answer that is one call's own failure: that call gets `error`, the others of its group their answers. */
export class CallFailed {
	constructor(readonly error: unknown) {}
}

/** Errors thrown inside a transaction's body: it rolled back, so nothing of it was written. */
const rolledBack = new WeakSet<object>();

/**
 * Runs a transaction's body, marking what it throws as having written nothing. For a statement
 * that is its own transaction, `wroteNothing` says which of its errors are known to mean that
 * (the server refused it); the others leave the outcome unknown and are not marked.
 */
export async function failedBeforeCommit<T>(body: () => Promise<T>, wroteNothing: (err: unknown) => boolean = () => true): Promise<T> {
	try {
		return await body();
	} catch (err) {
		if (typeof err === "object" && err !== null && wroteNothing(err)) rolledBack.add(err);
		throw err;
	}
}

export class GroupCommit<I, O> {
	readonly stats: GroupCommitStats = { calls: 0, transactions: 0, splits: 0 };
	private readonly waiting: Waiting<I, O>[] = [];
	private inFlight = 0;

	constructor(private readonly opts: GroupCommitOptions<I, O>) {
		if (opts.maxSize < 1 || opts.maxInFlight < 1) throw new Error("group commit needs maxSize and maxInFlight of at least 1");
	}

	/** Resolves with this call's answer once the transaction that carried it has committed. */
	submit(call: I): Promise<O> {
		return new Promise<O>((resolve, reject) => {
			this.stats.calls++;
			this.waiting.push({ call, resolve, reject });
			this.startGroups();
		});
	}

	private startGroups(): void {
		while (this.inFlight < this.opts.maxInFlight && this.waiting.length > 0) {
			const group = this.waiting.splice(0, this.opts.maxSize);
			this.inFlight++;
			const run = () => this.runGroup(group);
			void (this.opts.detached ? this.opts.detached(run) : run())
				.catch(err => group.forEach(w => w.reject(err)))
				.finally(() => {
					this.inFlight--;
					this.startGroups();
				});
		}
	}

	/**
	 * Runs the group; on a failure before commit, each half again, until the call at fault is
	 * alone. Returns the failure when it was everyone's, so the calls not yet run get it at once.
	 */
	private async runGroup(group: Waiting<I, O>[]): Promise<unknown> {
		try {
			const answers = await this.runOne(group.map(w => w.call));
			group.forEach((w, i) => {
				const answer = answers[i];
				if (answer instanceof CallFailed) w.reject(answer.error);
				else w.resolve(answer);
			});
			return undefined;
		} catch (err) {
			if (this.opts.failsEveryCall?.(err)) {
				group.forEach(w => w.reject(err));
				return err;
			}
			if (group.length === 1 || typeof err !== "object" || err === null || !rolledBack.has(err)) {
				group.forEach(w => w.reject(err));
				return undefined;
			}
			this.stats.splits++;
			const half = Math.ceil(group.length / 2);
			const outage = await this.runGroup(group.slice(0, half));
			if (outage === undefined) return this.runGroup(group.slice(half));
			group.slice(half).forEach(w => w.reject(outage));
			return outage;
		}
	}

	private async runOne(calls: I[]): Promise<(O | CallFailed)[]> {
		this.stats.transactions++;
		const answers = await this.opts.run(calls);
		// Checked after the commit: a mismatch is a bug in `run`, and the calls may be written.
		if (answers.length !== calls.length) throw new Error(`group commit: ${calls.length} calls got ${answers.length} answers`);
		return answers;
	}
}
