/**
 * Metrics and tracing settings of a Gozon node, from the environment.
 *
 * METRICS_PORT: where this node serves Prometheus metrics (`/metrics`). Unset, a node that runs
 * the gateway serves them on 3030 and other nodes serve none: on one host several processes
 * cannot share a port, while in containers each node sets METRICS_PORT=3030 in its own network
 * namespace. `METRICS_PORT=off` turns metrics off. Jest (NODE_ENV=test) gets no default port, so
 * the many brokers of a test process do not race for 3030; a test passes a port itself.
 * With no endpoint, metrics are off entirely and cost nothing.
 *
 * TRACING_EXPORTER: a Moleculer trace exporter (`Console`, `Zipkin` with ZIPKIN_URL, `Event`...).
 * Unset, no spans are recorded; the trace id still travels through calls, Kafka and logs.
 */
import type { BrokerOptions } from "moleculer";
import "./prometheus-reporter.js";

export const DEFAULT_METRICS_PORT = 3030;

export function metricsPort(env: NodeJS.ProcessEnv = process.env): number | undefined {
	const raw = env.METRICS_PORT?.trim();
	if (raw === "off" || raw === "false") return undefined;
	if (raw) {
		const port = Number(raw);
		if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`METRICS_PORT must be a port number or "off", got "${raw}"`);
		return port;
	}
	const services = (env.SERVICES || "orders,payments,gateway").split(",").map(s => s.trim());
	return services.includes("gateway") && env.NODE_ENV !== "test" ? DEFAULT_METRICS_PORT : undefined;
}

export function metricsOptions(port: number | undefined = metricsPort()): BrokerOptions["metrics"] {
	if (port === undefined) return { enabled: false };
	return {
		enabled: true,
		// The type name is registered by prometheus-reporter.ts; the declarations list only the stock ones.
		reporter: [{ type: "GozonPrometheus" as "Prometheus", options: { port, path: "/metrics" } }],
	};
}

export function tracingOptions(env: NodeJS.ProcessEnv = process.env): BrokerOptions["tracing"] {
	const exporter = env.TRACING_EXPORTER?.trim();
	if (!exporter || exporter === "off") return { enabled: false };
	const chosen =
		exporter.toLowerCase() === "zipkin"
			? { type: "Zipkin" as const, options: { baseURL: env.ZIPKIN_URL || "http://localhost:9411" } }
			: (exporter as "Console");
	return { enabled: true, exporter: [chosen], events: true, errorFields: ["name", "message", "code", "type"] };
}
