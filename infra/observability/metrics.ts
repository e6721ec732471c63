/**
 * Gozon's own metrics, next to Moleculer's built-in ones (requests, transporter, process). Names
 * use Moleculer's dotted form; the Prometheus endpoint shows them with underscores
 * (`gozon.orders.settled.total` → `gozon_orders_settled_total`). Every series also carries the
 * `nodeID` and `namespace` labels of the instance that reports it.
 *
 * The helpers never throw: a metric must not fail the work it measures, and a broker built
 * without the observability middleware (or with metrics off) simply records nothing.
 */
import type { ServiceBroker } from "moleculer";

export const METRIC = {
	/** counter {status, reason}: orders that reached a final status. */
	ordersSettled: "gozon.orders.settled.total",
	/** gauge {status="NEW"}: orders waiting for their payment, counted periodically (the same on every orders instance). */
	orders: "gozon.orders",
	/** histogram {status}: seconds from an order's creation to its final status. */
	orderSettleSeconds: "gozon.order.settle.seconds",
	/** gauge {service}: outbox rows waiting for the relay (the database's, the same on every instance). */
	outboxPending: "gozon.outbox.pending",
	/** gauge {service}: outbox rows parked for an operator after too many refusals. */
	outboxParked: "gozon.outbox.parked",
	/** gauge {service}: age of the oldest row waiting, 0 when none waits. */
	outboxOldestPendingSeconds: "gozon.outbox.oldest.pending.seconds",
	/** counter {service, topic}: events this instance's relay published. */
	outboxPublished: "gozon.outbox.published.total",
	/** histogram {service, topic}: seconds from an event's creation to its publication. */
	outboxPublishLagSeconds: "gozon.outbox.publish.lag.seconds",
	/** counter {service, topic}: events applied through the inbox. */
	inboxApplied: "gozon.inbox.applied.total",
	/** counter {service, topic}: redelivered events the inbox recognised and skipped. */
	inboxDuplicates: "gozon.inbox.duplicates.total",
	/** counter {service, topic}: messages sent to `<topic>.dlq` (topic = where they came from). */
	dlqMessages: "gozon.dlq.messages.total",
	/** counter {service, source}: transactions rerun after losing a version or unique-key race. */
	optimisticLockRetries: "gozon.optimistic.lock.retries.total",
} as const;

type MetricName = (typeof METRIC)[keyof typeof METRIC];
type Labels = Record<string, string | number | null>;

const latencyBuckets = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800];
const lagBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

const DEFINITIONS = [
	{ name: METRIC.ordersSettled, type: "counter", labelNames: ["status", "reason"], description: "Orders that reached a final status" },
	{ name: METRIC.orders, type: "gauge", labelNames: ["status"], description: "Orders waiting for their payment (periodic count of status NEW)" },
	{ name: METRIC.orderSettleSeconds, type: "histogram", labelNames: ["status"], buckets: latencyBuckets, unit: "seconds", description: "Seconds from order creation to its final status" },
	{ name: METRIC.outboxPending, type: "gauge", labelNames: ["service"], description: "Outbox rows waiting to be published" },
	{ name: METRIC.outboxParked, type: "gauge", labelNames: ["service"], description: "Outbox rows parked after too many refusals" },
	{ name: METRIC.outboxOldestPendingSeconds, type: "gauge", labelNames: ["service"], unit: "seconds", description: "Age of the oldest outbox row waiting (0 when none)" },
	{ name: METRIC.outboxPublished, type: "counter", labelNames: ["service", "topic"], description: "Events published by this instance's outbox relay" },
	{ name: METRIC.outboxPublishLagSeconds, type: "histogram", labelNames: ["service", "topic"], buckets: lagBuckets, unit: "seconds", description: "Seconds from event creation to publication" },
	{ name: METRIC.inboxApplied, type: "counter", labelNames: ["service", "topic"], description: "Events applied through the inbox" },
	{ name: METRIC.inboxDuplicates, type: "counter", labelNames: ["service", "topic"], description: "Redelivered events skipped by the inbox" },
	{ name: METRIC.dlqMessages, type: "counter", labelNames: ["service", "topic"], description: "Messages dead-lettered, by the topic they came from" },
	{ name: METRIC.optimisticLockRetries, type: "counter", labelNames: ["service", "source"], description: "Transactions rerun after a version or unique-key conflict" },
] as const;

type Registry = ServiceBroker["metrics"];

export function registerShopMetrics(registry: Registry): void {
	if (!registry.isEnabled()) return;
	for (const definition of DEFINITIONS) {
		if (!registry.hasMetric(definition.name)) registry.register({ ...definition, labelNames: [...definition.labelNames] } as never);
	}
}

function ready(broker: ServiceBroker, name: MetricName): boolean {
	return broker.isMetricsEnabled() && broker.metrics.hasMetric(name);
}

export function countMetric(broker: ServiceBroker, name: MetricName, labels: Labels, by = 1): void {
	if (ready(broker, name)) broker.metrics.increment(name, labels, by);
}

export function setMetric(broker: ServiceBroker, name: MetricName, value: number, labels: Labels): void {
	if (ready(broker, name)) broker.metrics.set(name, value, labels);
}

export function observeMetric(broker: ServiceBroker, name: MetricName, value: number, labels: Labels): void {
	if (ready(broker, name)) broker.metrics.observe(name, value, labels);
}

/** An order reached its final status: count it and record how long it took. */
export function recordSettlement(broker: ServiceBroker, order: { status: string; reason: string | null; createdAt: string; updatedAt: string }): void {
	countMetric(broker, METRIC.ordersSettled, { status: order.status, reason: order.reason ?? "" });
	const seconds = (Date.parse(order.updatedAt) - Date.parse(order.createdAt)) / 1000;
	if (Number.isFinite(seconds)) observeMetric(broker, METRIC.orderSettleSeconds, Math.max(0, seconds), { status: order.status });
}

/** A relay published these outbox rows: count them per topic (once per batch) and record each event's wait. */
export function recordPublished(broker: ServiceBroker, service: string, rows: readonly { topic: string; payload: unknown }[]): void {
	const now = Date.now();
	const perTopic = new Map<string, number>();
	for (const row of rows) {
		perTopic.set(row.topic, (perTopic.get(row.topic) ?? 0) + 1);
		const created = Date.parse(String((row.payload as { time?: unknown } | null)?.time));
		if (Number.isFinite(created)) observeMetric(broker, METRIC.outboxPublishLagSeconds, Math.max(0, (now - created) / 1000), { service, topic: row.topic });
	}
	for (const [topic, count] of perTopic) countMetric(broker, METRIC.outboxPublished, { service, topic }, count);
}
