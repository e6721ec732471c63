/**
 * The trace headers on Kafka: an id goes out verbatim in x-trace-id and, when it is hex, in W3C
 * form; on the way in x-trace-id wins and a malformed traceparent is ignored. And the JSON log
 * line picks up the trace of the scope it is written in.
 */
import { describe, expect, it } from "@jest/globals";
import { jsonLogFormatter } from "../../infra/observability/log-format.js";
import { annotateTrace, parseTraceparent, runInTraceScope, traceHeaders, traceOfHeaders } from "../../infra/observability/trace-context.js";

const uuid = "4bf92f35-77b3-4da6-a3ce-929d0e0e4736";
const hex = "4bf92f3577b34da6a3ce929d0e0e4736";

describe("trace headers", () => {
	it("carry a UUID trace id verbatim and as a W3C traceparent whose parent is the current span", () => {
		const headers = traceHeaders({ traceId: uuid, spanId: "00f067aa-0ba9-02b7-1111-222233334444" });
		expect(headers["x-trace-id"]).toBe(uuid);
		expect(headers.traceparent).toBe(`00-${hex}-00f067aa0ba902b7-01`);
	});

	it("carry any other id verbatim only", () => {
		expect(traceHeaders({ traceId: "checkout-42" })).toEqual({ "x-trace-id": "checkout-42" });
		expect(traceHeaders({})).toEqual({});
		expect(traceHeaders(undefined)).toEqual({});
	});

	it("are read back, x-trace-id first, traceparent otherwise", () => {
		expect(traceOfHeaders({ "x-trace-id": "checkout-42", traceparent: `00-${hex}-00f067aa0ba902b7-01` })).toEqual({
			traceId: "checkout-42",
			parentId: "00f067aa0ba902b7",
		});
		expect(traceOfHeaders({ traceparent: `00-${hex}-00f067aa0ba902b7-01` }).traceId).toBe(hex);
		expect(traceOfHeaders({})).toEqual({ traceId: undefined, parentId: undefined });
	});

	it("ignore a malformed or all-zero traceparent", () => {
		for (const bad of ["", "00-xyz-00f067aa0ba902b7-01", `00-${"0".repeat(32)}-00f067aa0ba902b7-01`, `00-${hex}-${"0".repeat(16)}-01`, `00-${hex}`]) {
			expect(parseTraceparent(bad)).toBeUndefined();
		}
		expect(parseTraceparent(` 00-${hex.toUpperCase()}-00F067AA0BA902B7-01 `)).toEqual({ traceId: hex, parentId: "00f067aa0ba902b7" });
	});
});

describe("JSON log lines", () => {
	it("carry the trace id and order id of their scope, and an error's details", () => {
		const line = runInTraceScope({ traceId: uuid }, () => {
			annotateTrace({ orderId: "order-1" });
			return jsonLogFormatter("warn", ["payment of", { amount: 5 }, new Error("boom")], { nodeID: "payments-1", mod: "payments", svc: "payments" })[0];
		});
		const entry = JSON.parse(line);
		expect(entry).toMatchObject({ level: "warn", traceId: uuid, orderId: "order-1", nodeID: "payments-1", svc: "payments", err: { name: "Error", message: "boom" } });
		expect(entry.msg).toBe("payment of { amount: 5 } boom");
		expect(Date.parse(entry.time)).not.toBeNaN();
	});

	it("have no trace fields outside a scope", () => {
		const entry = JSON.parse(jsonLogFormatter("info", ["hello"], { nodeID: "n", mod: "broker" })[0]);
		expect(entry.traceId).toBeUndefined();
		expect(entry.orderId).toBeUndefined();
		expect(entry.msg).toBe("hello");
	});
});
