/**
 * KafkaJS 2.2.4 hands setTimeout a negative delay in its request queue; Node 23+ reports that
 * with a TimeoutNegativeWarning (once per process; the delay becomes 1 ms, as it always did).
 * Every process that talks to Kafka calls this so its output shows only warnings that mean
 * something. Safe to call more than once.
 */
let installed = false;

export function hideKafkaJsTimeoutWarning(): void {
	if (installed) return;
	installed = true;
	const defaults = process.listeners("warning");
	process.removeAllListeners("warning");
	process.on("warning", warning => {
		if (warning.name !== "TimeoutNegativeWarning") for (const listener of defaults) listener(warning);
	});
}
