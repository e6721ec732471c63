/**
 * The relay on its own, against the real orders database and Kafka: relays share a backlog
 * without publishing a row twice, a claimed batch stays locked while it is sent and is freed when
 * its relay freezes or its connection dies, the rows a relay's own service commits go out through
 * that relay without a claim, and to another relay when it dies before sending them, a row the
 * broker refuses is retried with backoff and then parked without blocking the rows behind it, an
 * invalid row is parked at once, and published rows are deleted after the retention period.
 */
import { randomUUID } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "@jest/globals";
import { createEnvelope } from "../../domain/events/envelope.js";
import { ORDER_CREATED } from "../../domain/events/event-types.js";
import { OrderSchema } from "../../domain/orders/order.entity.js";
import { openDatabase, type Database } from "../../infra/db/open-database.js";
import { KafkaEventLog } from "../../infra/eventlog/kafka-event-log.js";
import { ordersMigrations } from "../../migrations/orders/index.js";
import type { SqlEntityManager } from "../../mixins/orm.mixin.js";
import { enqueueEvents } from "../../mixins/outbox/enqueue-event.js";
import { readOutboxBacklog } from "../../mixins/outbox/outbox-backlog.js";
import type { EventLog, OutgoingMessage } from "../../infra/eventlog/event-log.js";
import { OutboxRelay, type OutboxRelayOptions } from "../../mixins/outbox/outbox-relay.js";
import { watchTopics } from "../support/kafka-probe.js";
import { waitFor } from "../support/wait-for.js";

const quiet = { info: () => undefined, warn: () => undefined, debug: () => undefined };
let db: Database;
let eventLog: KafkaEventLog;
const relays: OutboxRelay[] = [];
/** Run after each test, passed or failed (a stalled send released, say), before its relays are stopped. */
const cleanups: (() => unknown)[] = [];
const afterThis = (cleanup: () => unknown) => cleanups.push(cleanup);

beforeAll(async () => {
	db = await openDatabase({
		service: "orders",
		url: process.env.ORDERS_DB_URL,
		dataDir: "unused",
		entities: [OrderSchema],
		migrations: ordersMigrations,
	});
	eventLog = new KafkaEventLog({ brokers: process.env.KAFKA_BROKERS!.split(","), clientId: "relay-test", topics: [], partitions: 3, logger: quiet });
});
afterEach(async () => {
	for (const cleanup of cleanups.splice(0)) await cleanup();
});
afterAll(async () => {
	await Promise.all(relays.map(r => r.stop()));
	await eventLog?.close();
	await db?.close();
});

function relay(overrides: Partial<OutboxRelayOptions> = {}): OutboxRelay {
	const r = new OutboxRelay({ db, eventLog, logger: quiet, batchSize: 20, pollIntervalMs: 200, retentionMs: 60_000, maxAttempts: 3, leaseMs: 30_000, ...overrides });
	relays.push(r);
	return r;
}

/** The event log, except that every publish waits until `open()`: a broker that has not answered yet. */
function stalledEventLog() {
	let open!: () => void;
	const opened = new Promise<void>(resolve => (open = resolve));
	let waiting = 0;
	const log = publishingThrough(async messages => {
		waiting++;
		await opened;
		await eventLog.publish(messages);
	});
	return { log, open, waiting: () => waiting };
}

/** The event log with `publish` in place of its own; everything else goes to the real one. */
function publishingThrough(publish: (messages: OutgoingMessage[]) => Promise<void>): EventLog {
	return {
		kind: eventLog.kind,
		publish,
		consume: options => eventLog.consume(options),
		ping: () => eventLog.ping(),
		isMessageError: err => eventLog.isMessageError(err),
		close: async () => undefined,
	};
}

/** Whether the server still has the session `pid`. */
async function sessionAlive(pid: number): Promise<boolean> {
	const [session] = await sql().execute<{ n: number }[]>(`select count(*)::int as n from pg_stat_activity where pid = ?`, [pid]);
	return session.n > 0;
}

/** Sessions of the orders database that sit in a transaction holding a relay's claim. */
async function heldClaims(): Promise<number[]> {
	const rows = await sql().execute<{ pid: number }[]>(
		`select pid from pg_stat_activity
		  where datname = current_database() and state = 'idle in transaction' and query like '%for update skip locked%'`,
	);
	return rows.map(row => row.pid);
}

function event(topicMarker: string) {
	const orderId = randomUUID();
	return createEnvelope({
		source: "gozon/orders",
		type: ORDER_CREATED,
		subject: orderId,
		data: { orderId, userId: randomUUID(), amount: 1, description: topicMarker },
	});
}

const sql = () => db.em.fork() as SqlEntityManager;

async function fill(topic: string, count: number): Promise<string[]> {
	const events = Array.from({ length: count }, () => event(topic));
	await db.em.fork().transactional(em => enqueueEvents(em, events.map(e => ({ topic, key: e.data.userId, event: e }))));
	return events.map(e => e.id);
}

/** A topic of the test's own, already on the broker, and a watch on it. */
async function watchedTopic() {
	const topic = `gozon.test.relay.${randomUUID().slice(0, 8)}`;
	await eventLog.publish([{ topic, key: "warm-up", value: "{}" }]);
	return { topic, watch: await watchTopics([topic]) };
}

/** Waits until every one of `ids` is on the watched topic; returns the ids seen there, repeats included. */
function allOnKafka(watch: Awaited<ReturnType<typeof watchTopics>>, ids: string[], what: string, timeoutMs = 30_000): Promise<string[]> {
	return waitFor(
		async () => watch.messages.filter(m => m.value !== "{}").map(m => JSON.parse(m.value).id as string),
		got => ids.every(id => got.includes(id)),
		{ what, timeoutMs },
	);
}

async function unpublished(ids: string[]): Promise<number> {
	const [row] = await sql().execute<{ n: number }[]>(`select count(*)::int as n from outbox_messages where id in (?) and published_at is null`, [ids]);
	return row.n;
}

describe("outbox relay", () => {
	it("shares a backlog between two relays, publishing each row exactly once", async () => {
		const { topic, watch } = await watchedTopic();
		const ids = await fill(topic, 400);
		const [a, b] = [relay(), relay()];
		await Promise.all([a.start(), b.start()]);
		const seen = await allOnKafka(watch, ids, "all 400 rows on Kafka", 60_000);
		await watch.stop();
		await Promise.all([a.stop(), b.stop()]);
		expect(new Set(seen).size).toBe(seen.length);
		expect(a.stats.published).toBeGreaterThan(0);
		expect(b.stats.published).toBeGreaterThan(0);
		expect(await unpublished(ids)).toBe(0);
	});

	it("holds a claimed batch's row locks while it is sent: another relay's claims pass over it, and it goes out once", async () => {
		const { topic, watch } = await watchedTopic();
		const ids = await fill(topic, 50);
		const stalled = stalledEventLog();
		const first = relay({ eventLog: stalled.log, pollIntervalMs: 60_000 });
		afterThis(() => watch.stop());
		try {
			await first.start();
			await waitFor(async () => stalled.waiting(), n => n === 1, { what: "the first relay sending its claim" });
			// Its first batch of 20 on its way, the next 20 claimed ahead: two open transactions hold
			// their rows' locks, and no lease is written on them.
			await waitFor(heldClaims, pids => pids.length === 2, { what: "the first relay holding two claims" });
			const [leased] = await sql().execute(`select count(*)::int as n from outbox_messages where id in (?) and claimed_by is not null`, [ids]);
			expect(leased.n).toBe(0);
			const second = relay({ pollIntervalMs: 100 });
			await second.start();
			await waitFor(async () => second.stats.published, n => n === 10, { what: "the second relay sending the ten rows nobody holds" });
			// Several more polls of the second relay: the 40 held rows stay with the first.
			await new Promise(resolve => setTimeout(resolve, 500));
			expect(second.stats.published).toBe(10);
			expect(await unpublished(ids)).toBe(40);
			stalled.open();
			const seen = await allOnKafka(watch, ids, "all 50 rows on Kafka");
			await waitFor(() => unpublished(ids), n => n === 0, { what: "the held batches marked published" });
			await Promise.all([first.stop(), second.stop()]);
			expect(first.stats.published).toBe(40);
			expect(new Set(seen).size).toBe(seen.length);
			expect(await heldClaims()).toHaveLength(0);
		} finally {
			stalled.open();
		}
	});

	it("frees the rows of a relay that stops answering mid-send after a lease, when the server ends its idle transaction", async () => {
		const { topic, watch } = await watchedTopic();
		const ids = await fill(topic, 15);
		const stalled = stalledEventLog();
		const frozen = relay({ eventLog: stalled.log, pollIntervalMs: 60_000, leaseMs: 1500 });
		afterThis(() => stalled.open());
		afterThis(() => watch.stop());
		const startedAt = performance.now();
		await frozen.start();
		await waitFor(async () => stalled.waiting(), n => n === 1, { what: "the frozen relay sending its claim" });
		const [pid] = await heldClaims();
		expect(pid).toBeDefined();
		const survivor = relay({ pollIntervalMs: 100 });
		await survivor.start();
		await allOnKafka(watch, ids, "the frozen relay's rows on Kafka through the survivor");
		const waited = performance.now() - startedAt;
		await waitFor(() => unpublished(ids), n => n === 0, { what: "the rows marked published by the survivor" });
		// Not before the lease: a relay that is merely slow keeps its batch that long. Then the
		// server ended its session (no lease was written: its locks went with the session).
		expect(waited).toBeGreaterThanOrEqual(1500);
		expect(await sessionAlive(pid)).toBe(false);
		expect(survivor.stats.published).toBe(15);
		// The frozen relay wakes up: its send goes through (a repeat the inboxes skip), and its mark,
		// on a session the server has ended, is written on its own and changes nothing.
		stalled.open();
		await frozen.stop();
		await survivor.stop();
		expect(await unpublished(ids)).toBe(0);
		expect(await heldClaims()).toHaveLength(0);
	});

	it("frees the rows of a relay whose connection dies mid-send at once, without waiting for a lease", async () => {
		const { topic, watch } = await watchedTopic();
		const ids = await fill(topic, 15);
		const stalled = stalledEventLog();
		const dying = relay({ eventLog: stalled.log, pollIntervalMs: 60_000 });
		afterThis(() => stalled.open());
		afterThis(() => watch.stop());
		expect(await heldClaims()).toHaveLength(0);
		await dying.start();
		await waitFor(async () => stalled.waiting(), n => n === 1, { what: "the relay sending its claim" });
		const held = await heldClaims();
		expect(held).toHaveLength(1);
		const [pid] = held;
		// What the database sees when the relay's process is killed: its session ends.
		await sql().execute(`select pg_terminate_backend(?)`, [pid]);
		const killedAt = performance.now();
		const survivor = relay({ pollIntervalMs: 100 });
		await survivor.start();
		await allOnKafka(watch, ids, "the rows on Kafka through the survivor");
		// The lease is 30 s: the rows came back with the session, not with a lease.
		expect(performance.now() - killedAt).toBeLessThan(15_000);
		await waitFor(() => unpublished(ids), n => n === 0, { what: "the rows marked published by the survivor" });
		stalled.open();
		await Promise.all([dying.stop(), survivor.stop()]);
		expect(await unpublished(ids)).toBe(0);
	});

	it("records a refusal even when the send outlasts the lease and the server has ended the claim's transaction", async () => {
		const topic = `gozon.test.relay.${randomUUID().slice(0, 8)}`;
		const ids = await fill(topic, 5);
		const refusedId = ids[2];
		// A broker that takes longer than the lease over the batch, then refuses one of its events;
		// sent one by one, the others go through.
		const refusing = publishingThrough(async messages => {
			const refused = messages.some(m => (JSON.parse(String(m.value)) as { id: string }).id === refusedId);
			if (refused && messages.length > 1) await new Promise(resolve => setTimeout(resolve, 1500));
			if (refused) throw Object.assign(new Error("refused by the broker"), { type: "MESSAGE_TOO_LARGE" });
			await eventLog.publish(messages);
		});
		expect(eventLog.isMessageError(Object.assign(new Error("x"), { type: "MESSAGE_TOO_LARGE" }))).toBe(true);
		const r = relay({ eventLog: refusing, leaseMs: 700, batchSize: 1000 });
		const pass = r.publishBatch();
		const [claim] = await waitFor(heldClaims, pids => pids.length === 1, { what: "the claim's transaction open while the batch is sent" });
		await pass;
		// The server ended that transaction; the mark and the refusal were written on their own.
		expect(await sessionAlive(claim)).toBe(false);
		const rows = await sql().execute<{ id: string; attempts: number; last_error: string | null; published_at: Date | null }[]>(
			`select id, attempts, last_error, published_at from outbox_messages where id in (?)`,
			[ids],
		);
		const byId = new Map(rows.map(row => [row.id, row]));
		expect(byId.get(refusedId)).toMatchObject({ attempts: 1, last_error: "refused by the broker", published_at: null });
		for (const id of ids.filter(id => id !== refusedId)) expect(byId.get(id)!.published_at).not.toBeNull();
		expect(await heldClaims()).toHaveLength(0);
	});

	it("comes back for rows it had to skip once their lease runs out, after draining the rest", async () => {
		const { topic, watch } = await watchedTopic();
		const ids = await fill(topic, 60);
		// The first ten are in another relay's hands for a while, so each claim of the drain
		// starts behind them.
		await sql().execute(
			`update outbox_messages set claimed_by = 'another relay', claimed_until = clock_timestamp() + interval '1500 milliseconds' where id in (?)`,
			[ids.slice(0, 10)],
		);
		const r = relay({ batchSize: 20, pollIntervalMs: 200 });
		await r.start();
		await allOnKafka(watch, ids, "all 60 rows on Kafka");
		await watch.stop();
		await r.stop();
		expect(await unpublished(ids)).toBe(0);
	});

	it("sends the rows its own service commits itself, leased to it from the insert", async () => {
		const { topic, watch } = await watchedTopic();
		// The owner never polls; the other relay polls every 200 ms and finds nothing it may claim.
		const [owner, other] = [relay({ pollIntervalMs: 60_000 }), relay({ pollIntervalMs: 200 })];
		await Promise.all([owner.start(), other.start()]);
		const events = Array.from({ length: 30 }, () => event(topic));
		const written = await db.em.fork().transactional(em => owner.enqueue(em, events.map(e => ({ topic, key: e.data.userId, event: e }))));
		const ids = events.map(e => e.id);
		const [leased] = await sql().execute(`select count(*)::int as n from outbox_messages where id in (?) and claimed_until > clock_timestamp()`, [ids]);
		expect(leased.n).toBe(30);
		// Long enough for the other relay to have polled several times.
		await new Promise(resolve => setTimeout(resolve, 800));
		owner.publishCommitted(written);
		const seen = await allOnKafka(watch, ids, "the 30 committed rows on Kafka");
		await waitFor(
			() => unpublished(ids),
			n => n === 0,
			{ what: "the rows marked published" },
		);
		await watch.stop();
		await Promise.all([owner.stop(), other.stop()]);
		expect(seen.length).toBe(30);
		expect(owner.stats.published).toBe(30);
		expect(other.stats.published).toBe(0);
	});

	it("refuses to write an invalid event, failing the transaction, so nothing unchecked is sent from memory", async () => {
		const topic = `gozon.test.relay.${randomUUID().slice(0, 8)}`;
		const r = relay({ pollIntervalMs: 60_000 });
		await r.start();
		const good = event(topic);
		const bad = { ...event(topic), specversion: "0.3" } as unknown as ReturnType<typeof event>;
		await expect(
			db.em.fork().transactional(em => r.enqueue(em, [good, bad].map(e => ({ topic, key: e.data.userId, event: e })))),
		).rejects.toThrow(/refusing to publish an invalid gozon\.order\.created event/);
		await r.stop();
		const [written] = await sql().execute<{ n: number }[]>(`select count(*)::int as n from outbox_messages where id in (?)`, [[good.id, bad.id]]);
		expect(written.n).toBe(0);
	});

	it("marks the small batches it sends in a short while with one statement", async () => {
		const topic = `gozon.test.relay.${randomUUID().slice(0, 8)}`;
		await eventLog.publish([{ topic, key: "warm-up", value: "{}" }]);
		const r = relay({ pollIntervalMs: 60_000, markDelayMs: 1000 });
		await r.start();
		const ids: string[] = [];
		// Ten commits of one event each, 50 ms apart, as a trickle of orders makes them: each is
		// sent on its own, long after the one before was.
		for (let i = 0; i < 10; i++) {
			const e = event(topic);
			ids.push(e.id);
			r.publishCommitted(await db.em.fork().transactional(em => r.enqueue(em, [{ topic, key: e.data.userId, event: e }])));
			await new Promise(resolve => setTimeout(resolve, 50));
		}
		await waitFor(
			() => unpublished(ids),
			n => n === 0,
			{ what: "the ten rows marked published" },
		);
		await r.stop();
		// Rows written by one UPDATE share its transaction id.
		const [marks] = await sql().execute(`select count(distinct xmin::text)::int as n from outbox_messages where id in (?)`, [ids]);
		expect(marks.n).toBeLessThan(4);
	});

	it("leaves a dead relay's committed rows to another relay once the lease runs out", async () => {
		const { topic, watch } = await watchedTopic();
		const dead = relay({ pollIntervalMs: 60_000, leaseMs: 2000 });
		await dead.start();
		const events = Array.from({ length: 10 }, () => event(topic));
		// Committed, then the process "dies" before handing the rows to its relay.
		await db.em.fork().transactional(em => dead.enqueue(em, events.map(e => ({ topic, key: e.data.userId, event: e }))));
		const committedAt = performance.now();
		const survivor = relay({ pollIntervalMs: 200 });
		await survivor.start();
		const ids = events.map(e => e.id);
		await allOnKafka(watch, ids, "the dead relay's rows on Kafka");
		const waited = performance.now() - committedAt;
		await watch.stop();
		await Promise.all([dead.stop(), survivor.stop()]);
		// Not before the lease ran out: nobody published them twice while their owner could still.
		expect(waited).toBeGreaterThanOrEqual(1900);
		expect(survivor.stats.published).toBe(10);
		expect(dead.stats.published).toBe(0);
	});

	it("parks an invalid row at once and a refused row after its tries, without blocking the rest", async () => {
		const topic = `gozon.test.relay.${randomUUID().slice(0, 8)}`;
		const invalidId = randomUUID();
		const refusedId = randomUUID();
		// Rows a bug or an operator could have written: not an event, and a topic Kafka rejects.
		await sql().execute(`insert into outbox_messages (id, topic, key, payload) values (?, ?, 'k', '{"not": "an event"}'::jsonb)`, [invalidId, topic]);
		const refused = event(topic);
		await sql().execute(`insert into outbox_messages (id, topic, key, payload) values (?, 'bad topic name!', 'k', ?::jsonb)`, [
			refusedId,
			JSON.stringify({ ...refused, id: refusedId }),
		]);
		const behind = await fill(topic, 5);

		const r = relay({ maxAttempts: 3 });
		for (let pass = 0; pass < 3; pass++) {
			// Make the refused row due again at once instead of waiting out its backoff.
			await sql().execute(`update outbox_messages set next_attempt_at = null where id = ?`, [refusedId]);
			await r.publishBatch();
		}
		const rows = await sql().execute<{ id: string; attempts: number; last_error: string; parked_at: Date | null; published_at: Date | null }[]>(
			`select id, attempts, last_error, parked_at, published_at from outbox_messages where id in (?)`,
			[[invalidId, refusedId, ...behind]],
		);
		const byId = new Map(rows.map(row => [row.id, row]));
		expect(byId.get(invalidId)).toMatchObject({ attempts: 3, published_at: null, last_error: expect.stringMatching(/not a valid event/) });
		expect(byId.get(invalidId)!.parked_at).not.toBeNull();
		expect(byId.get(refusedId)).toMatchObject({ attempts: 3, published_at: null });
		expect(byId.get(refusedId)!.last_error.length).toBeGreaterThan(0);
		expect(byId.get(refusedId)!.parked_at).not.toBeNull();
		for (const id of behind) expect(byId.get(id)!.published_at).not.toBeNull();

		// The backlog gauge, read off the partial indexes, agrees with a count of the whole table.
		await fill(topic, 2);
		const [counted] = await sql().execute(
			`select count(*) filter (where published_at is null and parked_at is null)::int as pending, count(*) filter (where parked_at is not null)::int as parked from outbox_messages`,
		);
		const backlog = await readOutboxBacklog(sql());
		expect(backlog).toMatchObject({ pending: counted.pending, parked: counted.parked });
		expect(backlog.pending).toBeGreaterThanOrEqual(2);
		expect(backlog.parked).toBeGreaterThanOrEqual(2);
		expect(backlog.oldestPendingAgeMs).toBeGreaterThanOrEqual(0);
	});

	it("deletes published rows past the retention period and keeps the rest", async () => {
		const topic = `gozon.test.relay.${randomUUID().slice(0, 8)}`;
		const [old, recent, pending] = await fill(topic, 3);
		await sql().execute(`update outbox_messages set published_at = now() - interval '2 hours' where id = ?`, [old]);
		await sql().execute(`update outbox_messages set published_at = now() where id = ?`, [recent]);
		const r = relay({ retentionMs: 60 * 60_000 });
		expect(await r.purgePublished()).toBeGreaterThanOrEqual(1);
		const left = await sql().execute<{ id: string }[]>(`select id from outbox_messages where id in (?)`, [[old, recent, pending]]);
		expect(left.map(row => row.id).sort()).toEqual([recent, pending].sort());
	});
});
