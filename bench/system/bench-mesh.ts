/** The topology under test, as separate processes in a namespace of its own. */
import { randomUUID } from "node:crypto";
import { freePort } from "../../infra/local/ports.js";
import { killInstance, startInstance, stopInstance, waitUntilReady, type Instance, type InstanceSpec } from "../../infra/local/service-processes.js";

/** `profileDir`: each process writes a V8 CPU profile there when it stops (open it in Chrome DevTools). */
export async function startBenchMesh(specs: InstanceSpec[], env: Record<string, string>, profileDir?: string) {
	const nodeOptions = profileDir ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : [];
	const port = await freePort();
	const namespace = `bench-${randomUUID().slice(0, 8)}`;
	// Topics and consumer groups of their own: nothing else on this broker sees the benchmark's events.
	const fullEnv = { ...env, KAFKA_TOPIC_PREFIX: `${namespace}.`, METRICS_PORT: "0", NAMESPACE: namespace, PORT: String(port), HOST: "127.0.0.1", LOG_LEVEL: process.env.LOG_LEVEL ?? "warn" };
	const instances = new Map<string, Instance>();
	const launch = (spec: InstanceSpec) => {
		const instance = startInstance(spec, { env: fullEnv, nodeOptions, onLine: (name, line) => /ERROR|FATAL/.test(line) && process.stderr.write(`${name} ${line}\n`) });
		instances.set(spec.name, instance);
		return instance.started;
	};
	await Promise.all(specs.map(launch));
	const url = `http://127.0.0.1:${port}`;
	await waitUntilReady(url);
	return {
		url,
		namespace,
		/** kill -9, as a crash would. */
		kill: (name: string) => killInstance(instances.get(name)!),
		/** SIGTERM, as an orchestrator would. */
		terminate: (name: string) => stopInstance(instances.get(name)!),
		restart: (name: string) => launch(instances.get(name)!.spec),
		/** Process id of each instance, by name (for the CPU count). */
		pids: () => Object.fromEntries([...instances].map(([name, instance]) => [name, instance.process.pid])),
		stop: () => Promise.all([...instances.values()].map(i => stopInstance(i))).then(() => undefined),
	};
}
