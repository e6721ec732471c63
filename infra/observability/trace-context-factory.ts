/**
 * Lets a W3C `traceparent` header start the trace at the gateway. moleculer-web already takes
 * X-Request-Id / X-Correlation-Id as the request id; a caller that speaks W3C Trace Context
 * (a browser SDK, a proxy, another OpenTelemetry service) sends traceparent instead. The id has
 * to be set when the gateway's root context is created: a middleware would run after the
 * tracing middleware has already opened the request's span under another id.
 */
import type { IncomingMessage } from "node:http";
import { Context, type ServiceBroker } from "moleculer";
import { parseTraceparent, TRACEPARENT_HEADER } from "./trace-context.js";

class TraceContext extends Context {
	static override create(broker: ServiceBroker, endpoint?: unknown, params?: Record<string, any>, opts: Record<string, any> = {}): Context {
		if (opts.requestID == null && opts.parentCtx == null && opts.parentSpan == null) {
			const req = params?.req as IncomingMessage | undefined;
			const traceId = parseTraceparent(req?.headers?.[TRACEPARENT_HEADER])?.traceId;
			if (traceId) opts = { ...opts, requestID: traceId };
		}
		return Context.create(broker, endpoint as never, params as never, opts);
	}
}

/** For the broker option `ContextFactory` (Moleculer's declarations do not accept a subclass as is). */
export const TraceContextFactory = TraceContext as unknown as typeof Context;
