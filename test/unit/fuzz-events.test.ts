/**
 * Kafka payloads, fuzzed: random bytes, random JSON and mutations of a valid event. The
 * consumer's parser never throws, and accepts only what matches the schemas (which a poison
 * message never does), so everything else is dead-lettered with a reason.
 */
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "@jest/globals";
import { createEnvelope } from "../../domain/events/envelope.js";
import { ORDER_CREATED } from "../../domain/events/event-types.js";
import { parseEvent } from "../../domain/events/validate-event.js";
import { isValidAmount } from "../../domain/money.js";
import { hostileValues, prng } from "../support/random-values.js";

const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 1_000_000);

describe(`fuzzed event payloads (seed ${SEED})`, () => {
	it("never throws, and accepts only schema-valid events", () => {
		const random = prng(SEED);
		const { value, pick } = hostileValues(random);
		const valid = () =>
			createEnvelope({ source: "gozon/orders", type: ORDER_CREATED, subject: "s", data: { orderId: randomUUID(), userId: randomUUID(), amount: 10, description: "d" } });
		for (let i = 0; i < 3000; i++) {
			let raw: Buffer | string;
			const shape = random();
			if (shape < 0.2) raw = Buffer.from(Array.from({ length: Math.floor(random() * 64) }, () => Math.floor(random() * 256)));
			else if (shape < 0.4) raw = JSON.stringify(value());
			else {
				const event = valid() as unknown as Record<string, unknown>;
				const target = random() < 0.5 ? event : (event.data as Record<string, unknown>);
				const key = pick(Object.keys(target).concat(["extra"]));
				if (random() < 0.3) delete target[key];
				else target[key] = value();
				raw = JSON.stringify(event);
			}
			const result = parseEvent(raw, [ORDER_CREATED]);
			if (result.ok) {
				const data = result.event.data as { amount: unknown; orderId: unknown };
				expect(isValidAmount(data.amount)).toBe(true);
				expect(typeof data.orderId).toBe("string");
			} else {
				expect(result.reason.length).toBeGreaterThan(0);
			}
		}
	});
});
