/**
 * Failpoints: named places where a crash test can make this process die on the spot, as
 * kill -9 would, at the moment that matters (e.g. after publishing to Kafka and before marking
 * the outbox rows published). Enabled only by GOZON_FAILPOINT=<name>; a no-op otherwise.
 */
const armed = process.env.GOZON_FAILPOINT;

export function failpoint(name: string): void {
	if (armed !== name) return;
	process.stderr.write(`failpoint ${name}: killing process ${process.pid}\n`);
	process.kill(process.pid, "SIGKILL");
}
