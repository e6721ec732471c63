/**
 * Gauges read from the database rather than counted as events happen: the outbox backlog of a
 * service with an outbox, and the orders by status. Each instance samples on a timer; all
 * instances of a service share one database and so report the same figure (aggregate them with
 * max(), not sum()).
 */
import type { Service } from "moleculer";
import { ORDER_STATUSES } from "../../domain/orders/order-status.js";
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

async function sampleOrders(service: SamplingService): Promise<void> {
	const rows = await service.fork!().execute<{ status: string; n: number }[]>(`select status, count(*)::int as n from orders group by status`);
	const counts = new Map(rows.map(r => [r.status, Number(r.n)]));
	for (const status of ORDER_STATUSES) setMetric(service.broker, METRIC.orders, counts.get(status) ?? 0, { status });
}

/** The samplers that apply to this service; none for a service without a database. */
export function samplersFor(service: Service): ((service: SamplingService) => Promise<void>)[] {
	const s = service as SamplingService;
	const samplers: ((service: SamplingService) => Promise<void>)[] = [];
	if (typeof s.outboxBacklog === "function") samplers.push(sampleOutbox);
	if (service.name === "orders" && typeof s.fork === "function") samplers.push(sampleOrders);
	return samplers;
}
