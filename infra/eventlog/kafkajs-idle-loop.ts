/**
 * KafkaJS 2.2.4 keeps every broker connection busy while it is idle: its request queue
 * re-arms a timer with a negative delay whenever nothing is pending, which Node runs every
 * millisecond (and, from Node 23, reports as a TimeoutNegativeWarning). Measured here, an idle
 * consumer spent about 160 ms of CPU per second on it, and every Gozon process carries several
 * connections. The fix is the one proposed upstream (tulios/kafkajs#1667, not released): with
 * nothing pending and no throttle to wait out, schedule nothing — a request that has to wait
 * schedules its own check when it is queued, and a finished request checks the queue anyway.
 * Every KafkaJS client is made by kafkaClient (kafka-client.ts), which calls this first; calling it
 * again is harmless.
 */
import { createRequire } from "node:module";

interface RequestQueue {
	pending: unknown[];
	throttledUntil: number;
	throttleCheckTimeoutId: NodeJS.Timeout | null;
	checkPendingRequests(): void;
	scheduleCheckPendingRequests(): void;
}

/** KafkaJS's own interval for re-checking a queue that waits on in-flight requests. */
const CHECK_PENDING_REQUESTS_INTERVAL_MS = 10;

let installed = false;

export function fixKafkaJsIdleLoop(): void {
	if (installed) return;
	installed = true;
	const require = createRequire(import.meta.url);
	const RequestQueueClass = require("kafkajs/src/network/requestQueue/index.js") as { prototype: RequestQueue };
	RequestQueueClass.prototype.scheduleCheckPendingRequests = function scheduleCheckPendingRequests(this: RequestQueue) {
		if (this.throttleCheckTimeoutId) return;
		const throttledFor = this.throttledUntil - Date.now();
		if (this.pending.length === 0 && throttledFor <= 0) return;
		this.throttleCheckTimeoutId = setTimeout(
			() => {
				this.throttleCheckTimeoutId = null;
				this.checkPendingRequests();
			},
			throttledFor > 0 ? throttledFor : CHECK_PENDING_REQUESTS_INTERVAL_MS,
		);
	};
}
