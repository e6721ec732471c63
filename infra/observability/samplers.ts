/**
 * Gauges read from the database rather than counted as events happen: the outbox backlog of a
 * service with an outbox, and the orders waiting for their payment. Each instance samples on a timer; all
 * instances of a service share one database and so report the same figure (aggregate them with
 * max(), not sum()).
 */
import type { Service } from "moleculer";
import { METRIC, setMetric } from "./metrics.js";

type Backlog = { pending: number; parked: number; oldestPendingAgeMs: number | null };
type SamplingService = Service & {
	outboxBacklog?: () => Promise<Backlog>;
	fork?: () => { execute<T>(sql: string): Promise<T> };
};

async function sampleOutbox(service: SamplingService): Promise<void> {
	const backlog = await service.outboxBacklog!();
	const labels = { service: service.name };
	setMetric(service.broker, METRIC.outboxPending, backlog.pending, labels);
	setMetric(service.broker, METRIC.outboxParked, backlog.parked, labels);
	setMetric(service.broker, METRIC.outboxOldestPendingSeconds, (backlog.oldestPendingAgeMs ?? 0) / 1000, labels);
}

/**
 * Only the orders still waiting for their payment: counted on the partial index of NEW orders.
 * The final statuses grow with the table forever, and a count of them on every sample of every
 * instance would scan it; `gozon_orders_settled_total` counts them as they happen instead.
 */
async function sampleOrders(service: SamplingService): Promise<void> {
	const [row] = await service.fork!().execute<{ n: number }[]>(`select count(*)::int as n from orders where status = 'NEW'`);
	setMetric(service.broker, METRIC.orders, Number(row.n), { status: "NEW" });
}

/** The samplers that apply to this service; none for a service without a database. */
export function samplersFor(service: Service): ((service: SamplingService) => Promise<void>)[] {
	const s = service as SamplingService;
	const samplers: ((service: SamplingService) => Promise<void>)[] = [];
	if (typeof s.outboxBacklog === "function") samplers.push(sampleOutbox);
	if (service.name === "orders" && typeof s.fork === "function") samplers.push(sampleOrders);
	return samplers;
}
