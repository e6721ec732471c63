/**
 * `npm run stack`: the full topology on this machine. Brings up the infrastructure, then a
 * gateway and two instances each of orders and payments as separate processes over NATS and
 * Kafka, prints the gateway URL when it is ready, and stops what it started on Ctrl-C.
 */
import { ensureInfra } from "../infra/local/index.js";
import { stackTopology, startInstance, stopInstance, waitUntilReady, type Instance } from "../infra/local/service-processes.js";

const port = process.env.PORT || "3000";
const colors = [36, 35, 33, 32, 34, 31];
const say = (line: string) => process.stderr.write(`${line}\n`);

const env = { ...(await ensureInfra({ log: say })), PORT: port };
say(`stack: starting ${stackTopology().map(s => s.name).join(", ")}…`);
// Every node serves its own Prometheus metrics: the gateway on 3030 as in containers, the others
// next to it, since processes on one machine cannot share a port.
const metricsPorts = new Map(stackTopology().map((spec, i) => [spec.name, spec.services.includes("gateway") ? 3030 : 3031 + i]));
const instances: Instance[] = stackTopology().map((spec, i) =>
	startInstance(spec, {
		env: { ...env, METRICS_PORT: String(metricsPorts.get(spec.name)) },
		onLine: (name, line) => process.stdout.write(`\x1b[${colors[i % colors.length]}m${name.padEnd(10)}\x1b[0m ${line}\n`),
	}),
);

let stopping = false;
async function shutdown(signal: string): Promise<void> {
	if (stopping) return;
	stopping = true;
	say(`\nstack: ${signal}, stopping ${instances.length} processes…`);
	await Promise.all(instances.map(i => stopInstance(i)));
	say("stack: stopped. The infrastructure keeps running; `npm run infra -- stop` stops Kafka.");
	process.exit(0);
}
process.on("SIGINT", () => void shutdown("SIGINT"));
process.on("SIGTERM", () => void shutdown("SIGTERM"));
for (const instance of instances) {
	void instance.exited.then(code => {
		if (!stopping) say(`stack: ${instance.spec.name} exited (${code}); the others keep running`);
	});
}

await waitUntilReady(`http://127.0.0.1:${port}`, 120_000).catch(async (err: Error) => {
	say(`stack: ${err.message}`);
	await shutdown("timeout");
});
say(`\nGozon stack is ready: http://localhost:${port}  (Ctrl-C stops it)`);
say(`metrics: ${[...metricsPorts].map(([name, p]) => `${name} :${p}/metrics`).join(", ")}\n`);
