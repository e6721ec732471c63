/**
 * The inbox applies a consumed batch in one statement, against real PostgreSQL and Kafka: a
 * backlog is applied in far fewer statements than it has events, and an event its handler
 * cannot apply lets the events ahead of it through, holds the ones behind it, and once it can be
 * applied, everything is applied exactly once and in partition order.
 *
 * The inbox runs in a test service of its own, on a fresh database and under a topic prefix of
 * its own, so nothing else consumes its messages.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import type { ServiceBroker, ServiceSchema } from "moleculer";
import pg from "pg";
import type { CloudEvent } from "../../domain/events/envelope.js";
import type { Delivery, InboxStats } from "../../mixins/inbox.mixin.js";
import type { SqlEntityManager, SqlWrite } from "../../mixins/orm.mixin.js";
import { produceRaw } from "../support/kafka-probe.js";
import { waitFor } from "../support/wait-for.js";

const prefix = `inbox-batches-${randomUUID().slice(0, 8)}.`;
const database = `gozon_test_inbox_${randomUUID().slice(0, 8).replace(/-/g, "")}`;
const databaseUrl = process.env.PAYMENTS_DB_URL!.replace(/\/[^/?]+(\?|$)/, `/${database}$1`);

/** Event ids in the order the handler applied them (committed or not). */
const attempts: string[] = [];
/** Event ids whose statement committed. */
let applied: string[] = [];
/** While set, the handler fails on the event with this id. */
let refuse: string | undefined;

let broker: ServiceBroker;
let admin: pg.Client;
let orderCreated: (description: string) => CloudEvent;
let ORDERS_TOPIC: string;

beforeAll(async () => {
	admin = new pg.Client({ connectionString: process.env.PAYMENTS_DB_URL });
	await admin.connect();
	await admin.query(`create database ${database}`);
	// The configuration is read once, on first import: the prefix must be in place before it.
	process.env.KAFKA_TOPIC_PREFIX = prefix;
	const { ServiceBroker } = await import("moleculer");
	const { default: brokerConfig } = await import("../../moleculer.config.js");
	const { ormMixin } = await import("../../mixins/orm.mixin.js");
	const { inboxMixin } = await import("../../mixins/inbox.mixin.js");
	const { paymentsMigrations } = await import("../../migrations/payments/index.js");
	const { AccountSchema } = await import("../../domain/payments/account.entity.js");
	const { createEnvelope } = await import("../../domain/events/envelope.js");
	const events = await import("../../domain/events/event-types.js");
	ORDERS_TOPIC = (await import("../../domain/events/topics.js")).ORDERS_TOPIC;
	orderCreated = description =>
		createEnvelope({
			source: "gozon/orders",
			type: events.ORDER_CREATED,
			subject: randomUUID(),
			data: { orderId: randomUUID(), userId: randomUUID(), amount: 1, description },
		});

	const probe: ServiceSchema = {
		name: "inbox-probe",
		mixins: [
			ormMixin({ service: "payments", url: databaseUrl, entities: [AccountSchema], migrations: paymentsMigrations }),
			inboxMixin({ topic: ORDERS_TOPIC, groupId: "inbox-probe", accepts: [events.ORDER_CREATED], handler: "apply" }),
		],
		methods: {
			async apply(em: SqlEntityManager, deliveries: Delivery[], record: SqlWrite) {
				const ids = deliveries.map(d => d.event.id);
				for (const id of ids) {
					attempts.push(id);
					if (id === refuse) throw new Error("this event cannot be applied yet");
				}
				// The handler's one statement: here it only records.
				const rows = await em.execute<{ event_id: string }[]>(`with recorded as (${record.sql}) select event_id from recorded`, record.params);
				const fresh = new Set(rows.map(row => row.event_id));
				return { fresh: [...fresh], afterCommit: () => void (applied = [...applied, ...ids.filter(id => fresh.delete(id))]) };
			},
		},
	};
	broker = new ServiceBroker({ ...brokerConfig, transporter: null, nodeID: "inbox-probe", logLevel: "error" });
	broker.createService(probe);
	await broker.start();
});

afterAll(async () => {
	await broker?.stop();
	await admin?.query(`drop database if exists ${database} with (force)`);
	await admin?.end();
	delete process.env.KAFKA_TOPIC_PREFIX;
});

const stats = async () => ({ ...(broker.getLocalService("inbox-probe") as unknown as { inboxStats: InboxStats }).inboxStats });

/** Puts the events on one partition (one key), in this order, with one produce. */
const produce = (list: CloudEvent[]) => produceRaw(prefix + ORDERS_TOPIC, list.map(e => ({ key: "one-partition", value: JSON.stringify(e) })));

describe("the inbox, a batch at a time", () => {
	it("applies a backlog in far fewer statements than it has events", async () => {
		const before = await stats();
		const backlog = Array.from({ length: 200 }, (_, i) => orderCreated(`backlog ${i}`));
		await produce(backlog);
		await waitFor(stats, s => s.applied >= before.applied + 200, { timeoutMs: 30_000, what: "the backlog to be applied" });
		const after = await stats();
		expect(after.applied - before.applied).toBe(200);
		expect(after.batches - before.batches).toBeLessThanOrEqual(20);
		expect(applied.slice(-200)).toEqual(backlog.map(e => e.id));
	});

	it("lets the events ahead of one it cannot apply through, then applies the rest once, in order", async () => {
		const [ahead, stuck, behind] = ["ahead", "stuck", "behind"].map(orderCreated);
		refuse = stuck.id;
		// The same event twice in the batch: applied once.
		await produce([ahead, stuck, behind, behind]);
		await waitFor(
			async () => ({ applied: [...applied], tries: attempts.filter(id => id === stuck.id).length }),
			s => s.applied.includes(ahead.id) && s.tries >= 3,
			{ timeoutMs: 30_000, what: "the stuck event to be retried" },
		);
		expect(applied).not.toContain(stuck.id);
		expect(applied).not.toContain(behind.id);

		refuse = undefined;
		await waitFor(async () => [...applied], list => list.includes(behind.id), { timeoutMs: 30_000, what: "the events behind it" });
		const mine = applied.filter(id => [ahead.id, stuck.id, behind.id].includes(id));
		expect(mine).toEqual([ahead.id, stuck.id, behind.id]);

		const db = new pg.Client({ connectionString: databaseUrl });
		await db.connect();
		const { rows: inbox } = await db.query(`select event_id from inbox_messages where event_id = any($1::uuid[])`, [[ahead.id, stuck.id, behind.id]]);
		await db.end();
		expect(inbox).toHaveLength(3);
		expect((await stats()).duplicates).toBeGreaterThanOrEqual(2);
	});
});
