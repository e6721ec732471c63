/** One switch combination of the three (database URL, TRANSPORTER, KAFKA_BROKERS): nats-only. */
import { describe, it } from "@jest/globals";
import { payAnOrderWith } from "../support/mode-mix.js";

describe("mixed modes", () => {
	it("pays an order on PGlite, over NATS, and the in-process bus", async () => {
		await payAnOrderWith({ postgres: false, nats: true, kafka: false });
	});
});
