/**
 * The linear partition grouping (infra/eventlog/kafkajs-linear-grouping.ts) groups as KafkaJS's
 * own does; every module that imports kafkajs imports it first; and a process that loads the
 * event log produces with it.
 */
import { execFile } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join, relative } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "@jest/globals";
import { groupMessagesPerPartition } from "../../infra/eventlog/kafkajs-linear-grouping.js";

const root = join(import.meta.dirname, "../..");
type Grouping = (args: { topic: string; partitionMetadata: unknown[]; messages: { key: string }[]; partitioner: (args: { message: { key: string } }) => number }) => Record<number, { key: string }[]>;
/** KafkaJS's own function, evaluated from its file: whatever any module cache now holds for it. */
function kafkaJsOwnGrouping(): Grouping {
	const source = readFileSync(createRequire(import.meta.url).resolve("kafkajs/src/producer/groupMessagesPerPartition.js"), "utf8");
	expect(source).toContain("[...current, message]");
	const module = { exports: {} as unknown };
	new Function("module", "exports", source)(module, module.exports);
	return module.exports as Grouping;
}

describe("the linear partition grouping", () => {
	it("groups as KafkaJS does: each partition's messages in the order given", () => {
		const kafkaJsGrouping = kafkaJsOwnGrouping();
		expect(kafkaJsGrouping).not.toBe(groupMessagesPerPartition);
		for (const [count, partitions] of [[0, 3], [1, 1], [7, 3], [1000, 4], [333, 1], [50, 64]]) {
			const messages = Array.from({ length: count }, (_, i) => ({ key: `k${(i * 7919) % 97}` }));
			const partitionMetadata = Array.from({ length: partitions }, (_, id) => ({ partitionId: id }));
			const partitioner = ({ message }: { message: { key: string } }) => Number(message.key.slice(1)) % partitions;
			const args = { topic: "t", partitionMetadata, messages, partitioner };
			expect(groupMessagesPerPartition(args)).toEqual(kafkaJsGrouping(args));
		}
		expect(groupMessagesPerPartition({ topic: "t", partitionMetadata: [], messages: [{ key: "a" }], partitioner: () => 0 })).toEqual({});
	});

	it("is imported before kafkajs by every module that imports kafkajs", () => {
		const importers: string[] = [];
		const walk = (dir: string) => {
			for (const entry of readdirSync(dir, { withFileTypes: true })) {
				if (["node_modules", ".data", "dist", ".git"].includes(entry.name)) continue;
				const path = join(dir, entry.name);
				if (entry.isDirectory()) walk(path);
				else if (entry.name.endsWith(".ts")) {
					// `import type` is erased by the compiler and loads nothing, so it does not count.
					const imports = [...readFileSync(path, "utf8").matchAll(/^import\b(?!\s+type\b)[^;]*?"([^"]+)";/gms)].map(m => m[1]);
					const kafkajs = imports.indexOf("kafkajs");
					if (kafkajs < 0) continue;
					importers.push(relative(root, path));
					expect({ path: relative(root, path), first: imports[0] }).toEqual({ path: relative(root, path), first: expect.stringMatching(/kafkajs-linear-grouping\.js$/) });
				}
			}
		};
		walk(root);
		expect(importers).toContain("infra/eventlog/kafka-event-log.ts");
	});

	it("is what KafkaJS's producer takes in a process that loads the event log", async () => {
		const script = `
			const { createRequire } = await import("node:module");
			await import("./infra/eventlog/kafka-event-log.ts");
			const fix = await import("./infra/eventlog/kafkajs-linear-grouping.ts");
			const require = createRequire(import.meta.url);
			const loaded = require.cache[require.resolve("kafkajs/src/producer/sendMessages.js")] !== undefined;
			const grouping = require.cache[require.resolve("kafkajs/src/producer/groupMessagesPerPartition.js")]?.exports;
			console.log(JSON.stringify({ installed: fix.linearGroupingInstalled, producerLoaded: loaded, linear: grouping === fix.groupMessagesPerPartition }));
		`;
		const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { cwd: root });
		expect(JSON.parse(stdout.trim().split("\n").pop()!)).toEqual({ installed: true, producerLoaded: true, linear: true });
	});
});
