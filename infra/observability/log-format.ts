/**
 * Structured logs (LOG_FORMAT=json, the default in the container image): one JSON object per
 * line, with the trace id and the order id of the work in hand whenever they are known, so one
 * query over all instances' logs follows an order from the HTTP request across Kafka to its
 * final status.
 */
import { inspect } from "node:util";
import { currentTrace } from "./trace-context.js";

type Bindings = { nodeID?: string; ns?: string; mod?: string; svc?: string } | undefined;

function describe(arg: unknown): string {
	if (typeof arg === "string") return arg;
	if (arg instanceof Error) return arg.message;
	return inspect(arg, { depth: 4, breakLength: Number.POSITIVE_INFINITY, colors: false });
}

/** A Moleculer Console logger `formatter`: returns the arguments for console.log. */
export function jsonLogFormatter(level: string, args: unknown[], bindings: Bindings): string[] {
	const trace = currentTrace();
	const error = args.find((a): a is Error => a instanceof Error);
	const entry: Record<string, unknown> = {
		time: new Date().toISOString(),
		level,
		msg: args.map(describe).join(" "),
		nodeID: bindings?.nodeID,
		mod: bindings?.mod,
		svc: bindings?.svc,
		traceId: trace?.traceId,
		orderId: trace?.orderId,
	};
	if (error) entry.err = { name: error.name, message: error.message, code: (error as { code?: unknown }).code, stack: error.stack };
	return [JSON.stringify(entry)];
}
