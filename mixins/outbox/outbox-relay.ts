/**
 * The relay: moves committed outbox rows to the event log.
 *
 * - Rows its own service writes (`enqueue`, or `outboxInsertFrom` with `leaseForNewRows`) are
 *   leased to it in the same insert; once their write commits they are sent straight from
 *   memory (`publishCommitted`), with no claim.
 * - Any other pending row it claims with FOR UPDATE SKIP LOCKED, so any number of relays (one
 *   per service instance) share the backlog without publishing a row twice at the same time. On
 *   PostgreSQL the claim's transaction keeps the row locks until the batch is marked, and its
 *   session ends itself if it sits idle for longer than a lease; in embedded mode (PGlite, one
 *   connection) the claim writes a short lease on the rows instead.
 * - Publishes a claimed batch, then marks it published. A crash between the two republishes
 *   the batch (at the next claim after the locks went with the dead connection, once the lease
 *   runs out otherwise): delivery is at-least-once, and the inbox makes the effect exactly-once.
 * - Claims on NOTIFY from anyone else and on a slow poll, which also picks up the rows of an
 *   instance that died before publishing them; backs off while the log is down.
 * - A row the log refuses (too large, say) or that is not a valid event gets its attempts and
 *   last error recorded, is retried with backoff, and after `maxAttempts` is parked for an
 *   operator. It never blocks the rows behind it.
 * - Deletes published rows after the retention period.
 */
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import type { EntityManager } from "@mikro-orm/core";
import { PostgreSqlConnection } from "@mikro-orm/postgresql";
import type { SqlEntityManager } from "../orm.mixin.js";
import { checkEvent } from "../../domain/events/validate-event.js";
import { failpoint } from "../../infra/failpoints.js";
import type { Database } from "../../infra/db/open-database.js";
import { listen, type Unlisten } from "../../infra/db/listen.js";
import { pgArray, runStatement } from "../../infra/db/run-statement.js";
import { backoffDelay } from "../../infra/eventlog/backoff.js";
import type { EventLog, OutgoingMessage } from "../../infra/eventlog/event-log.js";
import { enqueueEvents, type OutboxEntry, type OutboxLease, type OutboxRow } from "./enqueue-event.js";
import { OUTBOX_NOTIFY_CHANNEL } from "./outbox-table.sql.js";

export interface OutboxRelayOptions {
	db: Database;
	eventLog: EventLog;
	logger: { info(...a: unknown[]): void; warn(...a: unknown[]): void; debug(...a: unknown[]): void };
	batchSize: number;
	pollIntervalMs: number;
	retentionMs: number;
	maxAttempts: number;
	/** How often published rows past retention are deleted. */
	purgeIntervalMs?: number;
	/**
	 * How long a claim keeps other relays off a batch: a lease on the rows a service writes (and
	 * on a claim in embedded mode), and on PostgreSQL how long a claim's transaction may sit idle
	 * before the server ends it. A dead relay's leased rows return after it; rows it held locked
	 * return when its connection closes.
	 */
	leaseMs: number;
	/**
	 * How long a sent batch waits for its mark, so that the batches sent meanwhile are marked by
	 * the same statement. Nobody waits for a mark; a longer wait only widens the window in which
	 * a crash sends a batch twice (the inboxes skip the repeat).
	 */
	markDelayMs?: number;
}

type ClaimedRow = OutboxRow;

/**
 * Rows claimed together. `held` is the transaction that holds their row locks (PostgreSQL's
 * claim); it ends with the batch's mark, or with a rollback that hands the rows back. Rows
 * without it are leased to this relay (written with the lease, or claimed in embedded mode).
 */
interface ClaimedBatch {
	rows: ClaimedRow[];
	held?: SqlEm;
}

interface SendOutcome {
	published: ClaimedRow[];
	/** Rows the log refused or that are not valid events, with the reason. */
	failures: Map<ClaimedRow, string>;
	invalid: Map<ClaimedRow, string>;
}

export interface RelayStats {
	published: number;
	failedAttempts: number;
	parked: number;
	outageErrors: number;
	lastError: string | null;
}

type SqlEm = SqlEntityManager;

export class OutboxRelay {
	readonly stats: RelayStats = { published: 0, failedAttempts: 0, parked: 0, outageErrors: 0, lastError: null };
	/** Told of each batch once the log has it (metrics hang on it). */
	onPublished: ((rows: readonly { topic: string; payload: unknown }[]) => void) | undefined;
	private running = false;
	/** The mark of the last sent batch, still running. */
	private marking: Promise<void> = Promise.resolve();
	/** Sent rows whose mark is scheduled but not yet running. */
	private unmarked: ClaimedRow[] = [];
	private loopDone: Promise<void> | undefined;
	/** A claim pass is wanted (NOTIFY, start, or a row handed back to the backlog). */
	private wakeRequested = true;
	private wakeUp: (() => void) | undefined;
	/** Rows leased to this relay when they were written, committed, waiting to be sent. */
	private readonly committed: ClaimedRow[] = [];
	private backingOff = false;
	private unlisten: Unlisten | undefined;
	private lastPurge = 0;
	private readonly relayId = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
	/** Claims hold their row locks in a transaction (PostgreSQL) rather than writing a lease on each row (PGlite). */
	private readonly claimHoldsLocks: boolean;
	/** Marks of held batches scheduled and not yet committed: each keeps a connection. */
	private heldMarks = 0;

	constructor(private readonly opts: OutboxRelayOptions) {
		// PGlite has one connection: a transaction held while a batch is sent would stall every
		// other statement of the process, the in-process bus's consumers included.
		this.claimHoldsLocks = opts.db.em.getConnection() instanceof PostgreSqlConnection;
	}

	async start(): Promise<void> {
		if (this.running) return;
		this.running = true;
		this.unlisten = await listen(this.opts.db, OUTBOX_NOTIFY_CHANNEL, () => this.wake(), this.opts.logger);
		this.loopDone = this.loop();
	}

	async stop(): Promise<void> {
		if (!this.running) return;
		this.running = false;
		this.wakeUp?.();
		await this.loopDone;
		await this.marking;
		await this.unlisten?.();
	}

	/** Ask for a claim pass now (on NOTIFY, or from anyone who wrote rows without a lease). */
	wake(): void {
		this.wakeRequested = true;
		if (!this.backingOff) this.wakeUp?.();
	}

	/**
	 * Writes events into the outbox inside the caller's transaction, leased to this relay. Hand
	 * the returned rows to `publishCommitted` once the transaction has committed.
	 */
	enqueue(em: EntityManager, entries: OutboxEntry[]): Promise<ClaimedRow[]> {
		return enqueueEvents(em, entries, this.leaseForNewRows());
	}

	/** The lease for rows this relay is to send once they commit (outboxInsertFrom); none when it is not running. */
	leaseForNewRows(): OutboxLease | undefined {
		// A relay that is not running leaves the rows to whichever relay claims them first.
		return this.running ? { holder: this.relayId, ms: this.opts.leaseMs } : undefined;
	}

	/** Sends rows leased to this relay whose write has committed, without claiming them. */
	publishCommitted(rows: readonly ClaimedRow[]): void {
		if (rows.length === 0) return;
		if (!this.running) {
			// Stopped: they go out when their lease runs out, through any relay's claim.
			return;
		}
		this.committed.push(...rows);
		if (!this.backingOff) this.wakeUp?.();
	}

	private async loop(): Promise<void> {
		let outageFailures = 0;
		while (this.running) {
			let delay = this.opts.pollIntervalMs;
			try {
				await this.publishCommittedRows();
				if (this.wakeRequested) {
					this.wakeRequested = false;
					await this.publishBacklog();
				}
				outageFailures = 0;
				await this.purgeIfDue();
			} catch (err) {
				outageFailures++;
				this.stats.outageErrors++;
				this.stats.lastError = (err as Error).message;
				delay = backoffDelay(outageFailures, 200, 5000);
				const log = outageFailures === 1 || outageFailures % 20 === 0 ? this.opts.logger.warn : this.opts.logger.debug;
				log.call(this.opts.logger, `outbox relay cannot publish (${(err as Error).message}); retrying in ${delay} ms`);
				// What waits in memory goes back to the backlog, where the claim after the backoff
				// (this relay's or another's) finds it; neither a NOTIFY nor a commit cuts the backoff short.
				await this.handBack({ rows: this.committed.splice(0) });
				this.wakeRequested = true;
				this.backingOff = true;
			}
			if (this.running && (this.backingOff || (this.committed.length === 0 && !this.wakeRequested))) {
				// The poll: a claim pass whenever nothing woke the relay for a while.
				if (await this.sleep(delay)) this.wakeRequested = true;
			}
			this.backingOff = false;
		}
		// Stopping: what was committed but not sent goes out now if the log is answering, otherwise
		// back to the backlog for another instance's claim.
		if (outageFailures === 0) await this.publishCommittedRows().catch(() => undefined);
		await this.handBack({ rows: this.committed.splice(0) });
	}

	/** Resolves true when the time ran out, false when woken. */
	private sleep(ms: number): Promise<boolean> {
		return new Promise(resolve => {
			const timer = setTimeout(() => done(true), ms);
			const done = (timedOut: boolean) => {
				clearTimeout(timer);
				this.wakeUp = undefined;
				resolve(timedOut);
			};
			this.wakeUp = () => done(false);
		});
	}

	/** Sends the committed rows handed over by `publishCommitted`, a batch at a time. */
	private async publishCommittedRows(): Promise<void> {
		while (this.committed.length > 0) {
			const batch = { rows: this.committed.splice(0, this.opts.batchSize) };
			// On an outage `send` hands back this batch itself. `enqueue` checked these events.
			const sent = await this.send(batch, true);
			await this.markInBackground(sent, batch);
		}
	}

	/** Releases rows this relay will not send (their locks or their lease), so any relay's next claim takes them. */
	private async handBack(batch: ClaimedBatch | undefined): Promise<void> {
		if (batch?.held) await this.handBackHeld(batch);
		else if (batch && batch.rows.length > 0) await this.settle([], new Map(), batch, new Map()).catch(() => undefined);
	}

	/** Ends a held batch's transaction if it is still open; one already settled stays as it is. */
	private async handBackHeld(batch: ClaimedBatch): Promise<void> {
		// MikroORM refuses a rollback once the transaction has ended: nothing is left to release.
		await batch.held?.rollback().catch(() => undefined);
	}

	/**
	 * Publishes batch after batch until a claim comes back short of a full batch. The database
	 * and the broker work at the same time: while one batch is on its way to the log, the next
	 * is already being claimed and the one before is being marked. Batches still go out one
	 * after another, in claim order. Returns how many rows were claimed.
	 */
	async publishBacklog(): Promise<number> {
		let total = 0;
		let next: Promise<ClaimedBatch> | undefined = this.claim();
		while (next) {
			const batch: ClaimedBatch = await next;
			const { rows } = batch;
			if (rows.length === 0) break;
			next = rows.length >= this.opts.batchSize && this.running ? this.inBackground(this.claim(rows[rows.length - 1].seq)) : undefined;
			let sent: SendOutcome;
			try {
				sent = await this.send(batch);
			} catch (failure) {
				// On an outage `send` settled this batch; anything else may have left it held. The batch
				// claimed ahead goes back now rather than when its lease runs out.
				await this.handBackHeld(batch);
				await this.handBack(await next?.catch(() => undefined));
				throw failure;
			}
			await this.markInBackground(sent, batch);
			total += rows.length;
		}
		return total;
	}

	/**
	 * Marks a sent batch while the relay goes on, one mark at a time. The consumers already have
	 * the events, so nobody waits for the mark; a mark that fails leaves its rows unpublished, and
	 * they go out again (the inboxes skip the repeat): at the next claim when they were held, when
	 * the lease runs out when they were leased. Leased batches that went out whole share one mark,
	 * a moment later (`markDelayMs`): at a steady trickle of small batches that is one statement
	 * instead of one per batch.
	 */
	private async markInBackground(sent: SendOutcome, batch: ClaimedBatch): Promise<void> {
		if (batch.held) {
			// A held batch is marked in its own transaction, and keeps a connection until then. With
			// one mark at a time the relay holds three transactions at most: a batch being marked,
			// the next being sent, the one after being claimed.
			if (this.heldMarks > 0) await this.marking;
			this.heldMarks++;
			this.chainMark(() => this.settle(sent.published, sent.failures, batch, sent.invalid).finally(() => this.heldMarks--));
			return;
		}
		const claimed = batch.rows;
		const whole = sent.failures.size === 0 && sent.published.length === claimed.length;
		if (whole) {
			const markScheduled = this.unmarked.length > 0;
			this.unmarked.push(...claimed);
			// Marks lagging far behind hold the relay up rather than pile up.
			if (this.unmarked.length >= 10 * this.opts.batchSize) await this.marking;
			if (!markScheduled) this.chainMark(() => this.markLater());
			return;
		}
		await this.marking;
		this.chainMark(() => this.settle(sent.published, sent.failures, batch, sent.invalid));
	}

	private async markLater(): Promise<void> {
		// A backlog fills batches by itself, and its marks must not lag: a claim scans past every
		// leased row still waiting for its mark.
		if (this.running && this.unmarked.length < this.opts.batchSize) await new Promise(resolve => setTimeout(resolve, this.opts.markDelayMs ?? 100));
		const rows = this.unmarked.splice(0);
		await this.settle(rows, new Map(), { rows }, new Map());
	}

	private chainMark(mark: () => Promise<void>): void {
		this.marking = this.marking.then(mark).catch((err: Error) => {
			this.stats.lastError = err.message;
			this.opts.logger.warn(`outbox relay could not mark sent rows (${err.message}); they will go out again`);
		});
	}

	/** A promise awaited later that may fail first, without counting as an unhandled rejection. */
	private inBackground<T>(work: Promise<T>): Promise<T> {
		work.catch(() => undefined);
		return work;
	}

	/** One claim → publish → mark cycle. Returns how many rows were claimed. */
	async publishBatch(): Promise<number> {
		const batch = await this.claim();
		if (batch.rows.length === 0) return 0;
		let sent: SendOutcome;
		try {
			sent = await this.send(batch);
		} catch (failure) {
			await this.handBackHeld(batch);
			throw failure;
		}
		await this.settle(sent.published, sent.failures, batch, sent.invalid);
		return batch.rows.length;
	}

	/**
	 * Publishes claimed rows; says which went out and which the log refused. After an outage it
	 * marks what did go out and hands the rest back before throwing.
	 *
	 * A batch from PostgreSQL's claim is sent while its transaction holds the rows' locks: a
	 * connection waits on the broker for as long as the send takes, and at most for a lease
	 * (the session's idle timeout), after which the rows are free again. If this relay dies
	 * after publishing, its connection goes, and another relay publishes the rows again; the
	 * consumers' inboxes absorb the repeat.
	 *
	 * A claimed row may have been written by anyone (an operator's repair, an import) and is
	 * checked first; rows from `enqueue` were checked when they were written (`checked`).
	 */
	private async send(batch: ClaimedBatch, checked = false): Promise<SendOutcome> {
		const { rows } = batch;
		const invalid = new Map<ClaimedRow, string>();
		const sendable: ClaimedRow[] = [];
		for (const row of rows) {
			const verdict = checked ? { ok: true as const } : checkEvent(row.payload);
			if (verdict.ok) sendable.push(row);
			else invalid.set(row, `not a valid event: ${verdict.reason}`);
		}

		const failures = new Map<ClaimedRow, string>(invalid);
		const published: ClaimedRow[] = [];
		try {
			try {
				await this.opts.eventLog.publish(sendable.map(toMessage));
				published.push(...sendable);
			} catch (err) {
				if (!this.opts.eventLog.isMessageError(err)) throw err;
				// Some message in the batch was refused: find which, one by one.
				for (const row of sendable) {
					try {
						await this.opts.eventLog.publish([toMessage(row)]);
						published.push(row);
					} catch (rowErr) {
						if (!this.opts.eventLog.isMessageError(rowErr)) throw rowErr;
						failures.set(row, (rowErr as Error).message);
					}
				}
			}
		} catch (outage) {
			this.recordPublished(published);
			await this.settle(published, new Map(), batch, invalid).catch(() => undefined);
			throw outage;
		}
		this.recordPublished(published);
		failpoint("relay.afterPublish");
		return { published, failures, invalid };
	}

	/** Counted when the log has the events, not when their mark commits, which may come later. */
	private recordPublished(published: ClaimedRow[]): void {
		this.stats.published += published.length;
		if (published.length > 0) this.onPublished?.(published);
	}

	/**
	 * Claims the first claimable rows in commit order, after `after` if given. Within one pass
	 * over a backlog every claim starts behind the previous one: the rows in front of it were
	 * either this relay's own (locked or leased, or published and dead in the index until vacuum) or not
	 * claimable a moment ago, and the next pass, which starts from the beginning, finds those.
	 * Without the bound, each claim would walk over all of them again.
	 */
	private claim(after = "0"): Promise<ClaimedBatch> {
		return this.claimHoldsLocks ? this.claimHoldingLocks(after) : this.claimWithLease(after);
	}

	/**
	 * Locks the rows in a transaction that stays open until the batch is marked: a lock costs
	 * the row no new version, where a lease is an update of every row before its mark updates it
	 * again (a backlog's claim took twice as long as its mark).
	 */
	private async claimHoldingLocks(after: string): Promise<ClaimedBatch> {
		const held = this.opts.db.em.fork() as SqlEm;
		await held.begin();
		try {
			// A relay that stops answering (frozen, cut off) loses its locks after a lease, as a lease
			// would run out: the server ends the idle session and the rows go to the next claim.
			await held.execute(`select set_config('idle_in_transaction_session_timeout', ?, true)`, [String(this.opts.leaseMs)]);
			const rows = await held.execute<ClaimResultRow[]>(
				`select seq, id, topic, key, payload::text as "payloadText", headers, attempts
				   from outbox_messages
				  where ${CLAIMABLE}
				  order by seq
				  limit ?
				    for update skip locked`,
				[after, this.opts.batchSize],
			);
			if (rows.length === 0) {
				await held.commit();
				return { rows: [] };
			}
			return { rows: claimedRows(rows), held };
		} catch (err) {
			await held.rollback().catch(() => undefined);
			throw err;
		}
	}

	/** Leases the rows to this relay in one statement (embedded mode: no transaction may stay open). */
	private async claimWithLease(after: string): Promise<ClaimedBatch> {
		const em = this.opts.db.em.fork() as SqlEm;
		const rows = await runStatement<ClaimResultRow>(
			em,
			`update outbox_messages
			    set claimed_by = ?::text, claimed_until = clock_timestamp() + ?::int * interval '1 millisecond'
			  where seq in (
			        select seq from outbox_messages
			         where ${CLAIMABLE}
			         order by seq
			         limit ?::int
			           for update skip locked)
			returning seq, id, topic, key, payload::text as "payloadText", headers, attempts`,
			[this.relayId, this.opts.leaseMs, after, this.opts.batchSize],
		);
		return { rows: claimedRows(rows) };
	}

	/** Marks what was published, records refusals, and hands back the rest (its locks or its lease). */
	private async settle(
		published: ClaimedRow[],
		failures: Map<ClaimedRow, string>,
		batch: ClaimedBatch,
		invalid: Map<ClaimedRow, string>,
	): Promise<void> {
		const { rows: claimed, held } = batch;
		if (held) {
			try {
				await this.writeOutcome(held, published, failures, invalid);
				// The rows left hold no lease of this relay's: the commit releases their locks.
				await held.commit();
				return;
			} catch (err) {
				await held.rollback().catch(() => undefined);
				// Its rows may have gone out twice: another claim could take them once the session ended.
				this.opts.logger.warn(`outbox relay: the claim's transaction could not mark its batch (${(err as Error).message}); marking it on its own`);
			}
			// The server ended the session (the send outlasted the lease) or the connection broke: the
			// mark, and above all the refusals, are written on their own. Otherwise a batch whose send
			// always outlasts the lease (a refused row retried one message at a time) would be sent
			// again and again, and its refused row never counted or parked. A row another claim has
			// locked by now is that claim's to settle: waiting for it could wait for this relay's own
			// next claim, whose mark waits for this one.
			await this.opts.db.em.fork().transactional(async txEm => {
				const em = txEm as SqlEm;
				await em.execute(`select set_config('lock_timeout', ?, true)`, [String(LOST_CLAIM_LOCK_TIMEOUT_MS)]);
				await this.writeOutcome(em, published, failures, invalid);
			});
			return;
		}
		if (claimed.length === 0) return;
		if (failures.size === 0 && published.length === claimed.length) {
			// The usual pass: everything went out, one statement marks it.
			await markPublished(this.opts.db.em.fork() as SqlEm, published);
		} else {
			await this.opts.db.em.fork().transactional(async txEm => {
				const em = txEm as SqlEm;
				await this.writeOutcome(em, published, failures, invalid);
				const done = new Set([...published, ...failures.keys()]);
				const released = claimed.filter(r => !done.has(r));
				if (released.length > 0) {
					await em.execute(
						`update outbox_messages set claimed_by = null, claimed_until = null where seq in (?) and claimed_by = ?`,
						[released.map(r => r.seq), this.relayId],
					);
				}
			});
		}
	}

	/** Marks the published rows and records the refusals, in `em`'s transaction. */
	private async writeOutcome(em: SqlEm, published: ClaimedRow[], failures: Map<ClaimedRow, string>, invalid: Map<ClaimedRow, string>): Promise<void> {
		if (published.length > 0) await markPublished(em, published);
		// An invalid event will never become valid: it is parked at once.
		for (const [row, error] of failures) await this.recordFailure(em, row, error, invalid.has(row));
	}

	private async recordFailure(em: SqlEm, row: ClaimedRow, error: string, permanent: boolean): Promise<void> {
		// A row the log refused keeps no lease; its own backoff decides when it is tried again.
		const attempts = permanent ? Math.max(row.attempts + 1, this.opts.maxAttempts) : row.attempts + 1;
		const park = attempts >= this.opts.maxAttempts;
		const retryInMs = Math.min(300_000, 1000 * 2 ** (attempts - 1));
		// Only over the attempt this relay saw: a row that another relay has since published or
		// refused again is left as that relay wrote it.
		const result = await em.execute<{ affectedRows?: number }>(
			`update outbox_messages
			    set attempts = ?, last_error = ?,
			        next_attempt_at = clock_timestamp() + (? || ' milliseconds')::interval,
			        parked_at = case when ? then clock_timestamp() else null end,
			        claimed_by = null, claimed_until = null
			  where seq = ? and attempts = ? and published_at is null`,
			[attempts, error.slice(0, 2000), String(retryInMs), park, row.seq, row.attempts],
			"run",
		);
		if (!result.affectedRows) return;
		this.stats.failedAttempts++;
		if (park) {
			this.stats.parked++;
			this.opts.logger.warn(`outbox row ${row.id} parked after ${attempts} attempts: ${error}`);
		} else {
			this.opts.logger.warn(`outbox row ${row.id} refused (attempt ${attempts}): ${error}`);
		}
	}

	private async purgeIfDue(): Promise<void> {
		const interval = this.opts.purgeIntervalMs ?? 60_000;
		if (Date.now() - this.lastPurge < interval) return;
		this.lastPurge = Date.now();
		await this.purgePublished();
	}

	/** Deletes published rows older than the retention period; returns how many. */
	async purgePublished(): Promise<number> {
		const em = this.opts.db.em.fork() as SqlEm;
		const result = await em.execute<{ affectedRows?: number } | unknown[]>(
			`delete from outbox_messages
			  where published_at is not null
			    and published_at < clock_timestamp() - (? || ' milliseconds')::interval`,
			[String(this.opts.retentionMs)],
			"run",
		);
		return (result as { affectedRows?: number }).affectedRows ?? 0;
	}
}

/** How long the mark of a batch whose claim's transaction was lost waits for a row another claim holds. */
const LOST_CLAIM_LOCK_TIMEOUT_MS = 1000;

/**
 * What a claim may take, after the seq bound (its first placeholder): pending rows in no other
 * relay's hands whose retry is due. The bound lets each claim of a pass start behind the last.
 */
const CLAIMABLE = `published_at is null and parked_at is null and seq > ?::bigint
	and (next_attempt_at is null or next_attempt_at <= clock_timestamp())
	and (claimed_until is null or claimed_until < clock_timestamp())`;

type ClaimResultRow = Omit<ClaimedRow, "payload">;

/** The payload came back as text: parsed once here for the check, and sent as it is. */
function claimedRows(rows: ClaimResultRow[]): ClaimedRow[] {
	const claimed = rows as ClaimedRow[];
	for (const row of claimed) row.payload = JSON.parse(row.payloadText) as unknown;
	return claimed.sort((a, b) => Number(a.seq) - Number(b.seq));
}

function markPublished(em: SqlEm, rows: ClaimedRow[]): Promise<unknown[]> {
	return runStatement(
		em,
		`update outbox_messages set published_at = clock_timestamp(), claimed_by = null, claimed_until = null
		  where seq = any(?::bigint[])`,
		[pgArray(rows.map(r => r.seq))],
	);
}

function toMessage(row: ClaimedRow): OutgoingMessage {
	return { topic: row.topic, key: row.key, value: row.payloadText, headers: row.headers ?? {} };
}
