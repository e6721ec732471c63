import { randomUUID } from "node:crypto";
import { describe, expect, it } from "@jest/globals";
import { createEnvelope } from "../../domain/events/envelope.js";
import { ORDER_CREATED, PAYMENT_FAILED } from "../../domain/events/event-types.js";
import { checkEvent, parseEvent } from "../../domain/events/validate-event.js";

const orderCreated = () =>
	createEnvelope({
		source: "gozon/orders",
		type: ORDER_CREATED,
		subject: "x",
		data: { orderId: randomUUID(), userId: randomUUID(), amount: 100, description: "d" },
	});

describe("event validation", () => {
	it("accepts a well-formed event of an accepted type", () => {
		const event = orderCreated();
		expect(parseEvent(Buffer.from(JSON.stringify(event)), [ORDER_CREATED])).toEqual({ ok: true, event });
	});

	it.each([
		["empty message", null, /empty/],
		["not JSON", "{nope", /not valid JSON/],
		["JSON that is not an object", "42", /envelope/],
		["missing id", JSON.stringify({ ...orderCreated(), id: undefined }), /envelope/],
		["id not a UUID", JSON.stringify({ ...orderCreated(), id: "abc" }), /envelope\/id/],
		["wrong specversion", JSON.stringify({ ...orderCreated(), specversion: "0.3" }), /envelope/],
		["bad time", JSON.stringify({ ...orderCreated(), time: "yesterday" }), /envelope\/time/],
		["unknown type", JSON.stringify({ ...orderCreated(), type: "gozon.order.exploded" }), /unexpected event type/],
		["amount a string", JSON.stringify({ ...orderCreated(), data: { ...orderCreated().data, amount: "100" } }), /data\/amount/],
		["amount fractional", JSON.stringify({ ...orderCreated(), data: { ...orderCreated().data, amount: 1.5 } }), /data\/amount/],
		["amount huge", JSON.stringify({ ...orderCreated(), data: { ...orderCreated().data, amount: 1e20 } }), /data\/amount/],
		["extra data field", JSON.stringify({ ...orderCreated(), data: { ...orderCreated().data, admin: true } }), /data/],
		["description too long", JSON.stringify({ ...orderCreated(), data: { ...orderCreated().data, description: "x".repeat(501) } }), /data\/description/],
	])("rejects %s with a reason", (_name, raw, reason) => {
		const result = parseEvent(raw as string | null, [ORDER_CREATED]);
		expect(result.ok).toBe(false);
		if (!result.ok) expect(result.reason).toMatch(reason);
	});

	it("requires a reason on a failed payment", () => {
		const failed = createEnvelope({
			source: "gozon/payments",
			type: PAYMENT_FAILED,
			subject: "x",
			data: { orderId: randomUUID(), userId: randomUUID(), amount: 5 },
		});
		expect(checkEvent(failed).ok).toBe(false);
		expect(checkEvent({ ...failed, data: { ...failed.data, reason: "INSUFFICIENT_FUNDS" } }).ok).toBe(true);
	});
});
