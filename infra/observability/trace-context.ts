/**
 * One trace id per business flow, from the HTTP request through every Moleculer call and across
 * Kafka and back.
 *
 * - Inside Moleculer the id is the context's requestID: moleculer-web takes it from an
 *   X-Request-Id or X-Correlation-Id header, trace-context-factory.ts from a W3C traceparent, and
 *   Moleculer hands it to every nested call.
 * - On Kafka it rides in the message headers: `x-trace-id` carries it verbatim (whatever a client
 *   sent), `traceparent` in W3C form when the id is hex, for tools outside the mesh.
 * - In between, an AsyncLocalStorage scope holds it, so log lines and the events a handler emits
 *   pick it up without every function passing it along.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { randomBytes } from "node:crypto";

export const TRACE_ID_HEADER = "x-trace-id";
export const TRACEPARENT_HEADER = "traceparent";

export interface TraceScope {
	traceId?: string;
	/** The current span: the parent of whatever starts from here. */
	spanId?: string;
	/** The order the work is about, when known: logs carry it. */
	orderId?: string;
}

const storage = new AsyncLocalStorage<TraceScope>();

export function runInTraceScope<T>(scope: TraceScope, work: () => T): T {
	return storage.run(scope, work);
}

export function currentTrace(): TraceScope | undefined {
	return storage.getStore();
}

/** Adds what is learnt midway (the order id, once the event is parsed) to the current scope. */
export function annotateTrace(fields: Partial<TraceScope>): void {
	const scope = storage.getStore();
	if (scope) Object.assign(scope, fields);
}

const TRACEPARENT = /^[0-9a-f]{2}-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$/;

export function parseTraceparent(value: unknown): { traceId: string; parentId: string } | undefined {
	if (typeof value !== "string") return undefined;
	const match = TRACEPARENT.exec(value.trim().toLowerCase());
	if (!match || /^0+$/.test(match[1]) || /^0+$/.test(match[2])) return undefined;
	return { traceId: match[1], parentId: match[2] };
}

/** A Moleculer id (a UUID) as `length` hex digits, the way W3C and Zipkin want it; undefined if it is not hex. */
function asHex(id: string | undefined, length: number): string | undefined {
	const hex = id?.replace(/-/g, "").toLowerCase();
	if (!hex || !/^[0-9a-f]+$/.test(hex) || hex.length < length || /^0+$/.test(hex.slice(0, length))) return undefined;
	return hex.slice(0, length);
}

/** Headers that put an outgoing message into this trace; none when there is no trace. */
export function traceHeaders(scope: TraceScope | undefined): Record<string, string> {
	if (!scope?.traceId) return {};
	const headers: Record<string, string> = { [TRACE_ID_HEADER]: scope.traceId };
	const traceHex = scope.traceId.replace(/-/g, "").length === 32 ? asHex(scope.traceId, 32) : undefined;
	if (traceHex) headers[TRACEPARENT_HEADER] = `00-${traceHex}-${asHex(scope.spanId, 16) ?? randomBytes(8).toString("hex")}-01`;
	return headers;
}

/** The trace a consumed message carries, if any. */
export function traceOfHeaders(headers: Record<string, string> | undefined): { traceId?: string; parentId?: string } {
	const parent = parseTraceparent(headers?.[TRACEPARENT_HEADER]);
	return { traceId: headers?.[TRACE_ID_HEADER] || parent?.traceId, parentId: parent?.parentId };
}

interface ContextLike {
	id: string;
	requestID?: string | null;
	span?: { id: string } | null;
}

export function traceScopeOf(ctx: ContextLike, orderId?: string): TraceScope {
	return { traceId: ctx.requestID ?? undefined, spanId: ctx.span?.id ?? ctx.id, orderId };
}

/** The trace headers for an event emitted by an action: `enqueueEvent(em, { ..., headers: traceHeadersOf(ctx) })`. */
export function traceHeadersOf(ctx: ContextLike): Record<string, string> {
	return traceHeaders(traceScopeOf(ctx));
}
