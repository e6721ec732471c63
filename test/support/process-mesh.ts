/**
 * The full topology as real OS processes (what `npm run stack` runs), for tests that kill them.
 * Each test gets its own Moleculer namespace and gateway port.
 */
import { randomUUID } from "node:crypto";
import { killInstance, startInstance, stopInstance, waitUntilReady, type Instance, type InstanceSpec } from "../../infra/local/service-processes.js";
import { freePort } from "./mesh.js";

export interface ProcessMesh {
	url: string;
	env: Record<string, string>;
	instances: Map<string, Instance>;
	logs: string[];
	start(spec: InstanceSpec): Promise<Instance>;
	kill(name: string): Promise<void>;
	stop(name: string): Promise<void>;
	stopAll(): Promise<void>;
	ready(): Promise<void>;
}

export async function startProcessMesh(specs: InstanceSpec[], extraEnv: Record<string, string> = {}): Promise<ProcessMesh> {
	const port = await freePort();
	const env: Record<string, string> = {
		ORDERS_DB_URL: process.env.ORDERS_DB_URL!,
		PAYMENTS_DB_URL: process.env.PAYMENTS_DB_URL!,
		TRANSPORTER: process.env.TRANSPORTER!,
		KAFKA_BROKERS: process.env.KAFKA_BROKERS!,
		NAMESPACE: `crash-${randomUUID().slice(0, 8)}`,
		PORT: String(port),
		HOST: "127.0.0.1",
		LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "warn",
		...extraEnv,
	};
	const logs: string[] = [];
	const instances = new Map<string, Instance>();
	const mesh: ProcessMesh = {
		url: `http://127.0.0.1:${port}`,
		env,
		instances,
		logs,
		async start(spec) {
			const instance = startInstance(spec, { env, onLine: (name, line) => logs.push(`${name} ${line}`) });
			instances.set(spec.name, instance);
			await instance.started;
			return instance;
		},
		async kill(name) {
			await killInstance(instances.get(name)!);
		},
		async stop(name) {
			await stopInstance(instances.get(name)!);
		},
		async stopAll() {
			await Promise.all([...instances.values()].map(i => stopInstance(i)));
		},
		ready: () => waitUntilReady(`http://127.0.0.1:${port}`),
	};
	await Promise.all(specs.map(spec => mesh.start(spec)));
	await mesh.ready();
	return mesh;
}
