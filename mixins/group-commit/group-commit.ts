/**
 * Group commit: calls that arrive while earlier ones are in their transaction wait for it, then
 * share the next one. Under load a database runs out of commits, and a service of round trips,
 * long before either runs out of work: N orders in one transaction cost the round trips of one.
 * A call to an idle service starts at once, so at light load nothing waits that would not have
 * waited anyway; the busier the service, the larger the groups.
 *
 * When a shared transaction fails, its calls run again one at a time, so a bad call fails alone
 * and takes no other call with it; when the failure is everyone's (the database is unreachable)
 * they all get it at once instead.
 */

export interface GroupCommitOptions<I, O> {
	/** Runs the calls in ONE transaction and answers each, in the order given. */
	run(calls: I[]): Promise<O[]>;
	/** Most calls in one transaction. */
	maxSize: number;
	/** Transactions in flight at once; calls beyond them wait for the next one. */
	maxInFlight: number;
	/** A failure no call would escape on its own (the database is down): nothing is retried alone. */
	failsEveryCall?(err: unknown): boolean;
}

export interface GroupCommitStats {
	calls: number;
	/** Transactions the calls took (calls / transactions = mean group size). */
	transactions: number;
	/** Calls run again alone after their group's transaction failed. */
	retriedAlone: number;
}

interface Waiting<I, O> {
	call: I;
	resolve(answer: O): void;
	reject(err: unknown): void;
}

export class GroupCommit<I, O> {
	readonly stats: GroupCommitStats = { calls: 0, transactions: 0, retriedAlone: 0 };
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
			void this.runGroup(group).finally(() => {
				this.inFlight--;
				this.startGroups();
			});
		}
	}

	private async runGroup(group: Waiting<I, O>[]): Promise<void> {
		let answers: O[];
		try {
			answers = await this.runOne(group.map(w => w.call));
		} catch (err) {
			if (group.length === 1 || this.opts.failsEveryCall?.(err)) {
				for (const w of group) w.reject(err);
				return;
			}
			for (const w of group) {
				this.stats.retriedAlone++;
				try {
					w.resolve((await this.runOne([w.call]))[0]);
				} catch (aloneErr) {
					w.reject(aloneErr);
				}
			}
			return;
		}
		group.forEach((w, i) => w.resolve(answers[i]));
	}

	private async runOne(calls: I[]): Promise<O[]> {
		this.stats.transactions++;
		const answers = await this.opts.run(calls);
		if (answers.length !== calls.length) throw new Error(`group commit: ${calls.length} calls got ${answers.length} answers`);
		return answers;
	}
}
