/** One switch combination of the three (database URL, TRANSPORTER, KAFKA_BROKERS): postgres-and-kafka. */
import { describe, it } from "@jest/globals";
import { payAnOrderWith } from "../support/mode-mix.js";

describe("mixed modes", () => {
	it("pays an order on PostgreSQL, in one process, and Kafka", async () => {
		await payAnOrderWith({ postgres: true, nats: false, kafka: true });
	});
});
