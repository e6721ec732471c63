/**
 * The consumer's half of tracing across Kafka: each consumed message joins the trace its headers
 * carry. The inbox applies a batch of messages at once, so every message gets its own scope (for
 * its log lines), its own consumer span when tracing is on (parent: the producer's span, from
 * traceparent), and the headers that put the events it causes into the same trace.
 */
import type { Service } from "moleculer";
import type { IncomingMessage } from "../eventlog/event-log.js";
import { traceHeaders, traceOfHeaders, type TraceScope } from "./trace-context.js";

export interface ConsumeTrace {
	scope: TraceScope;
	/** Headers for the outbox rows of the events this message causes. */
	causedHeaders: Record<string, string>;
	finish(err?: Error): void;
}

export function openConsumeTrace(service: Service, message: IncomingMessage): ConsumeTrace {
	const carried = traceOfHeaders(message.headers);
	const broker = service.broker;
	const span =
		carried.traceId && broker.isTracingEnabled()
			? broker.tracer.startSpan(`consume ${message.topic}`, {
					type: "consumer",
					traceID: carried.traceId,
					parentID: carried.parentId,
					service,
					tags: { topic: message.topic, partition: message.partition, offset: message.offset, key: message.key },
				})
			: undefined;
	const scope: TraceScope = { traceId: carried.traceId, spanId: span?.id ?? carried.parentId };
	return {
		scope,
		causedHeaders: traceHeaders(scope),
		finish(err) {
			if (err) span?.setError(err);
			span?.finish();
		},
	};
}
