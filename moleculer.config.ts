/**
 * Moleculer broker options shared by every Gozon process. The transporter comes from the
 * environment: with TRANSPORTER unset all services live in one process and call each other
 * locally; with a NATS URL each process joins the mesh.
 */
import type { BrokerOptions } from "moleculer";
import { config } from "./infra/config.js";
import { coalesceNatsWrites } from "./infra/broker/nats-write-coalescing.js";
import { settleTimedOutCallsMiddleware } from "./infra/broker/settle-timed-out-calls.middleware.js";
import { metricsOptions, tracingOptions } from "./infra/observability/broker-options.js";
import { jsonLogFormatter } from "./infra/observability/log-format.js";
import { observabilityMiddleware } from "./infra/observability/observability.middleware.js";
import { TraceContextFactory } from "./infra/observability/trace-context-factory.js";

// What a turn of the event loop publishes goes to NATS in one write (infra/broker/nats-write-coalescing.ts).
coalesceNatsWrites();

const brokerConfig: BrokerOptions = {
	namespace: process.env.NAMESPACE || "gozon",
	nodeID: process.env.NODE_ID || undefined,
	transporter: (config.transporter ?? null) as BrokerOptions["transporter"],
	serializer: "JSON",
	logger: {
		type: "Console",
		options: {
			// JSON lines carry the trace id and order id (infra/observability/log-format.ts).
			formatter: process.env.LOG_FORMAT === "json" ? jsonLogFormatter : "short",
			colors: process.stdout.isTTY,
			moduleColors: false,
		},
	},
	logLevel: config.logLevel as BrokerOptions["logLevel"],
	requestTimeout: config.requestTimeoutMs,
	retryPolicy: { enabled: false },
	// A request whose service is gone fails fast with 503 instead of hanging.
	registry: { strategy: "RoundRobin", preferLocal: true },
	circuitBreaker: { enabled: false },
	validator: true,
	// Prometheus on METRICS_PORT (3030 on gateway nodes), spans when TRACING_EXPORTER is set.
	metrics: metricsOptions(),
	tracing: tracingOptions(),
	// A timed-out remote call must still settle, or the node can never stop gracefully again.
	middlewares: [observabilityMiddleware, settleTimedOutCallsMiddleware],
	ContextFactory: TraceContextFactory,
	// Services finish what they hold before the process exits.
	tracking: { enabled: true, shutdownTimeout: 10_000 },
	heartbeatInterval: 5,
	heartbeatTimeout: 15,
};

export default brokerConfig;
