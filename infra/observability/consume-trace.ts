/**
 * The consumer's half of tracing across Kafka.
 *
 * consumeTraced: handles one consumed message inside the trace its headers carry — a trace scope
 * for the log lines and whatever the handler emits, and, when tracing is on, a consumer span
 * whose parent is the producer's span (from traceparent).
 *
 * carryTraceToOutbox: the events a handler writes to the outbox while applying a traced event
 * belong to the same trace. Handlers enqueue them with no knowledge of tracing, so, still inside
 * the handler's transaction, the trace headers are added to the outbox rows this transaction
 * wrote (xmin = the current transaction id; only pending rows are looked at, and a row's own
 * headers win). Every consumer gets this without its handlers passing headers along.
 */
import type { Service } from "moleculer";
import type { IncomingMessage } from "../eventlog/event-log.js";
import { currentTrace, runInTraceScope, traceHeaders, traceOfHeaders } from "./trace-context.js";

export async function consumeTraced<T>(service: Service, message: IncomingMessage, work: () => Promise<T>): Promise<T> {
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
	try {
		return await runInTraceScope({ traceId: carried.traceId, spanId: span?.id ?? carried.parentId }, work);
	} catch (err) {
		span?.setError(err as Error);
		throw err;
	} finally {
		span?.finish();
	}
}

type Executor = { execute(sql: string, params?: unknown[]): Promise<unknown> };

export async function carryTraceToOutbox<T>(service: Service, em: Executor, work: () => Promise<T>): Promise<T> {
	const result = await work();
	const headers = traceHeaders(currentTrace());
	// Only a service with an outbox has the table.
	if (Object.keys(headers).length > 0 && typeof (service as { outboxBacklog?: unknown }).outboxBacklog === "function") {
		await em.execute(
			`update outbox_messages set headers = ?::jsonb || headers
			  where published_at is null and parked_at is null and xmin = pg_current_xact_id()::xid`,
			[JSON.stringify(headers)],
		);
	}
	return result;
}
