/**
 * nats.js 2.x writes what a tick published as soon as that tick's microtasks have run
 * (`queueMicrotask(flushPending)` in its ProtocolHandler). A gateway under load handles each
 * HTTP request in a callback of its own, so every request became a socket write to the NATS
 * server of its own, and each such write wakes the server: in a CPU profile at saturation those
 * writes were a third of the gateway's time. Flushing with `setImmediate` instead sends, in one
 * write, everything published during one turn of the event loop, after the I/O callbacks of that
 * turn; a lone publish still goes out in the same turn. The size limit that flushes at once is
 * kept. Installed before the broker starts (moleculer.config.ts); calling it again is harmless.
 */
import { createRequire } from "node:module";

interface ProtocolHandler {
	outbound: { length(): number; size(): number; fill(buf: Uint8Array, ...payloads: Uint8Array[]): void };
	pendingLimit: number;
	flushPending(): void;
	sendCommand(cmd: string | Uint8Array, ...payloads: Uint8Array[]): void;
}

let installed = false;

export function coalesceNatsWrites(): void {
	if (installed) return;
	installed = true;
	const require = createRequire(import.meta.url);
	const { ProtocolHandler } = require("nats/lib/nats-base-client/protocol.js") as { ProtocolHandler: { prototype: ProtocolHandler } };
	const { version } = require("nats/package.json") as { version: string };
	// Written against nats.js 2.29's internals; another version keeps its own behaviour (and the
	// test that counts the writes says so).
	if (!version.startsWith("2.29.") || typeof ProtocolHandler.prototype.flushPending !== "function" || typeof ProtocolHandler.prototype.sendCommand !== "function") {
		process.emitWarning(`NATS writes are not coalesced: nats.js ${version} is not the 2.29 this change was written for`);
		return;
	}
	const encoder = new TextEncoder();
	ProtocolHandler.prototype.sendCommand = function sendCommand(this: ProtocolHandler, cmd: string | Uint8Array, ...payloads: Uint8Array[]) {
		const wasEmpty = this.outbound.length() === 0;
		this.outbound.fill(typeof cmd === "string" ? encoder.encode(cmd) : cmd, ...payloads);
		if (wasEmpty) setImmediate(() => this.flushPending());
		else if (this.outbound.size() >= this.pendingLimit) this.flushPending();
	};
}
