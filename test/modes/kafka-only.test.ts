/** One switch combination of the three (database URL, TRANSPORTER, KAFKA_BROKERS): kafka-only. */
import { describe, it } from "@jest/globals";
import { payAnOrderWith } from "../support/mode-mix.js";

describe("mixed modes", () => {
	it("pays an order on PGlite, in one process, and Kafka", async () => {
		await payAnOrderWith({ postgres: false, nats: false, kafka: true });
	});
});
