/**
 * The broker middleware that wires observability into every Gozon node, so services stay about
 * their business:
 * - registers Gozon's metrics (metrics.ts) on the node's registry;
 * - runs every action and event handler in a trace scope (the context's requestID, and the order
 *   id when the parameters name one), which the JSON log lines and outgoing events read;
 * - gives a call, emit or broadcast made without a parent context (e.g. the live push after an
 *   inbox commit) the trace id of the scope it is made in, so the trace survives the Kafka hop
 *   into the mesh again;
 * - samples the database-backed gauges (samplers.ts) and hooks the outbox relay's publications.
 */
import type { Context, Middleware, Service, ServiceBroker } from "moleculer";
import { recordPublished, registerShopMetrics } from "./metrics.js";
import { samplersFor } from "./samplers.js";
import { currentTrace, runInTraceScope, traceScopeOf } from "./trace-context.js";

type PublishedHook = (rows: readonly { topic: string; payload: unknown }[]) => void;

function sampleIntervalMs(): number {
	const value = Number(process.env.METRICS_SAMPLE_MS ?? 10_000);
	return Number.isFinite(value) && value >= 100 ? value : 10_000;
}

/** The order an action or event is about, when its parameters say so. */
function orderIdOf(name: string, params: unknown): string | undefined {
	const p = params as { orderId?: unknown; id?: unknown } | null | undefined;
	if (typeof p?.orderId === "string") return p.orderId;
	if (name.startsWith("orders.") && typeof p?.id === "string") return p.id;
	return undefined;
}

/** Call options, or an emit's or broadcast's group name(s). */
type CallOptions = { parentCtx?: unknown; requestID?: string; groups?: string | string[] } | string | string[] | undefined;

function inheritTrace(opts: CallOptions): CallOptions {
	const options = Array.isArray(opts) || typeof opts === "string" ? { groups: opts } : opts;
	if (options?.parentCtx || options?.requestID) return options;
	const traceId = currentTrace()?.traceId;
	return traceId ? { ...options, requestID: traceId } : options;
}

type Handler = (ctx: Context) => unknown;
type Send = (name: string, payload: unknown, opts?: CallOptions) => unknown;

function createObservabilityMiddleware(broker: ServiceBroker) {
	const timers = new Map<Service, NodeJS.Timeout>();
	const intervalMs = sampleIntervalMs();
	const traced = (name: string, next: Handler): Handler => ctx =>
		runInTraceScope(traceScopeOf(ctx, orderIdOf(name, ctx.params)), () => next(ctx));
	const inheriting = (next: Send): Send => (name, payload, opts) => next(name, payload, inheritTrace(opts));

	return {
		name: "Observability",

		created() {
			registerShopMetrics(broker.metrics);
		},

		localAction: (next: Handler, action: { name?: string }) => traced(String(action.name ?? ""), next),
		localEvent: (next: Handler, event: { name?: string }) => traced(String(event.name ?? ""), next),
		call: inheriting,
		emit: inheriting,
		broadcast: inheriting,

		async serviceStarted(service: Service) {
			if (!broker.isMetricsEnabled()) return;
			const relay = (service as Service & { relay?: { onPublished?: PublishedHook } }).relay;
			if (relay) relay.onPublished = rows => recordPublished(broker, service.name, rows);
			const samplers = samplersFor(service);
			if (samplers.length === 0) return;
			const sample = () =>
				Promise.all(samplers.map(s => s(service))).catch((err: Error) => service.logger.debug(`metrics sample failed: ${err.message}`));
			await sample();
			timers.set(service, setInterval(sample, intervalMs).unref());
		},

		async serviceStopping(service: Service) {
			clearInterval(timers.get(service));
			timers.delete(service);
		},
	};
}

/**
 * For the broker option `middlewares`. Moleculer calls a function middleware with the broker;
 * its declarations accept neither that nor wrapper hooks typed as they really are.
 */
export const observabilityMiddleware = createObservabilityMiddleware as unknown as Middleware;
