/**
 * What one turn of the event loop publishes goes to the NATS server in one socket write
 * (infra/broker/nats-write-coalescing.ts), against a real NATS server: requests handled in
 * separate I/O callbacks of one turn share a write, a lone publish still arrives at once, and
 * every message arrives, in order. Without the change each callback's publishes are a write of
 * their own.
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { connect, type NatsConnection } from "nats";
import brokerConfig from "../../moleculer.config.js";

const url = process.env.TRANSPORTER ?? "nats://127.0.0.1:4222";
const server = url.replace(/^nats:\/\//, "");

let publisher: NatsConnection;
let subscriber: NatsConnection;
/** Socket writes the publisher made. */
let writes = 0;

beforeAll(async () => {
	expect(brokerConfig.namespace).toBeTruthy(); // loading the config installs the change
	publisher = await connect({ servers: server });
	subscriber = await connect({ servers: server });
	const transport = (publisher as unknown as { protocol: { transport: { send(frame: Uint8Array): void } } }).protocol.transport;
	const send = transport.send.bind(transport);
	transport.send = frame => {
		writes++;
		send(frame);
	};
});
afterAll(async () => {
	await publisher?.close();
	await subscriber?.close();
});

/** Subscribes (confirmed by the server before it resolves); `messages` then collects `count` messages of `subject`. */
async function receive(subject: string, count: number): Promise<{ messages: Promise<string[]> }> {
	const sub = subscriber.subscribe(subject, { max: count });
	await subscriber.flush();
	const collect = async () => {
		const got: string[] = [];
		for await (const message of sub) got.push(message.string());
		return got;
	};
	return { messages: collect() };
}

describe("NATS writes", () => {
	it("sends what separate callbacks of one event-loop turn publish in one write", async () => {
		const subject = `coalesce.${process.pid}.many`;
		const received = await receive(subject, 20);
		await new Promise(resolve => setImmediate(resolve));
		const before = writes;
		// Twenty callbacks of one phase of one turn, each publishing and running its microtasks
		// before the next, as a gateway handles the requests that arrived together.
		await new Promise<void>(resolve => {
			let done = 0;
			for (let i = 0; i < 20; i++) {
				setImmediate(() => {
					publisher.publish(subject, `m${i}`);
					if (++done === 20) resolve();
				});
			}
		});
		await new Promise(resolve => setImmediate(resolve));
		await new Promise(resolve => setImmediate(resolve));
		expect(writes - before).toBe(1);
		expect(await received.messages).toEqual(Array.from({ length: 20 }, (_, i) => `m${i}`));
	});

	it("sends a lone publish without waiting for more", async () => {
		const subject = `coalesce.${process.pid}.one`;
		const received = await receive(subject, 1);
		await new Promise(resolve => setImmediate(resolve));
		const before = writes;
		publisher.publish(subject, "alone");
		await new Promise(resolve => setImmediate(resolve));
		expect(writes - before).toBe(1);
		expect(await received.messages).toEqual(["alone"]);
	});
});
