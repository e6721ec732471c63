/**
 * KafkaJS clients come only from kafkaClient, which first fixes KafkaJS's idle timer loop
 * (infra/eventlog/kafkajs-idle-loop.ts): a client made any other way spins a timer every
 * millisecond on each idle connection and prints TimeoutNegativeWarning.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { describe, expect, it } from "@jest/globals";
import { kafkaClient } from "../../infra/eventlog/kafka-client.js";

interface IdleQueue {
	pending: unknown[];
	throttledUntil: number;
	throttleCheckTimeoutId: NodeJS.Timeout | null;
	checkPendingRequests(): void;
	scheduleCheckPendingRequests(): void;
}

const ROOT = process.cwd();
const SOURCE_DIRS = ["services", "mixins", "infra", "domain", "bench", "scripts", "test", "bin"];

function sourceFiles(dir: string): string[] {
	let names: string[];
	try {
		names = readdirSync(dir);
	} catch {
		return [];
	}
	return names.flatMap(name => {
		const full = path.join(dir, name);
		if (statSync(full).isDirectory()) return sourceFiles(full);
		return /\.(ts|mjs|js)$/.test(name) ? [full] : [];
	});
}

describe("kafkaClient", () => {
	it("leaves an idle connection's request queue without a timer", () => {
		kafkaClient({ clientId: "unit", brokers: ["127.0.0.1:1"] });
		const { prototype } = createRequire(import.meta.url)("kafkajs/src/network/requestQueue/index.js") as { prototype: IdleQueue };
		const idle: IdleQueue = Object.assign(Object.create(prototype), { pending: [], throttledUntil: 0, throttleCheckTimeoutId: null, checkPendingRequests: () => undefined });
		idle.scheduleCheckPendingRequests();
		expect(idle.throttleCheckTimeoutId).toBeNull();
		// A queue with a request waiting still gets its check.
		const waiting: IdleQueue = Object.assign(Object.create(prototype), { pending: [{}], throttledUntil: 0, throttleCheckTimeoutId: null, checkPendingRequests: () => undefined });
		waiting.scheduleCheckPendingRequests();
		expect(waiting.throttleCheckTimeoutId).not.toBeNull();
		clearTimeout(waiting.throttleCheckTimeoutId!);
	});

	it("is the only place a KafkaJS client is constructed", () => {
		const offenders = SOURCE_DIRS.flatMap(dir => sourceFiles(path.join(ROOT, dir)))
			.filter(file => !file.endsWith(path.join("infra", "eventlog", "kafka-client.ts")) && !file.endsWith("kafka-client.test.ts"))
			.filter(file => /new Kafka\(/.test(readFileSync(file, "utf8")))
			.map(file => path.relative(ROOT, file));
		expect(offenders).toEqual([]);
	});
});
