/**
 * Runs Gozon service instances as separate OS processes joined over NATS and Kafka: the full
 * topology of `npm run stack`, and the processes that crash tests kill with SIGKILL.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { PROJECT_ROOT } from "./daemon.js";

export interface InstanceSpec {
	/** Unique name, also the Moleculer node id, e.g. "orders-1". */
	name: string;
	services: ("gateway" | "orders" | "payments")[];
	env?: Record<string, string>;
}

export interface Instance {
	spec: InstanceSpec;
	process: ChildProcess;
	/** Resolves with the exit code or signal once the process has exited. */
	exited: Promise<number | NodeJS.Signals | null>;
	/** Resolves when the process logged that its broker started. */
	started: Promise<void>;
}

export interface StartOptions {
	env: Record<string, string | undefined>;
	/** Called with every line the instance prints, prefixed by its name. */
	onLine?: (name: string, line: string) => void;
	/** Extra Node.js options, e.g. --cpu-prof for a profile of the instance. */
	nodeOptions?: string[];
}

/** How a node starts; the Dockerfile's CMD starts it the same way (test/ops/compose.test.ts). */
export const NODE_START_ARGS = ["--import", "tsx", "bin/gozon.ts"];

export function startInstance(spec: InstanceSpec, opts: StartOptions): Instance {
	const child = spawn(process.execPath, [...(opts.nodeOptions ?? []), ...NODE_START_ARGS], {
		cwd: PROJECT_ROOT,
		env: { ...process.env, ...opts.env, ...spec.env, SERVICES: spec.services.join(","), NODE_ID: spec.name },
		stdio: ["ignore", "pipe", "pipe"],
	});
	let markStarted: () => void = () => undefined;
	let markFailed: (err: Error) => void = () => undefined;
	const started = new Promise<void>((resolve, reject) => {
		markStarted = resolve;
		markFailed = reject;
	});
	started.catch(() => undefined);
	for (const stream of [child.stdout!, child.stderr!]) {
		createInterface({ input: stream }).on("line", line => {
			if (/^gozon node \S+ started/.test(line)) markStarted();
			opts.onLine?.(spec.name, line);
		});
	}
	const exited = new Promise<number | NodeJS.Signals | null>(resolve => {
		child.on("exit", (code, signal) => {
			markFailed(new Error(`${spec.name} exited (${signal ?? code}) before it started`));
			resolve(signal ?? code);
		});
	});
	return { spec, process: child, exited, started };
}

/** Stops an instance: SIGTERM (graceful), then SIGKILL after `graceMs`. */
export async function stopInstance(instance: Instance, graceMs = 15_000): Promise<void> {
	if (instance.process.exitCode !== null || instance.process.signalCode !== null) return;
	instance.process.kill("SIGTERM");
	const timer = setTimeout(() => instance.process.kill("SIGKILL"), graceMs);
	await instance.exited;
	clearTimeout(timer);
}

/** kill -9: the process gets no chance to finish anything. */
export async function killInstance(instance: Instance): Promise<void> {
	instance.process.kill("SIGKILL");
	await instance.exited;
}

/** Waits until the gateway at `url` answers /api/ready with 200, or throws after `timeoutMs`. */
export async function waitUntilReady(url: string, timeoutMs = 60_000): Promise<void> {
	for (const deadline = Date.now() + timeoutMs; ; ) {
		if ((await fetch(`${url}/api/ready`).then(r => r.status, () => 0)) === 200) return;
		if (Date.now() > deadline) throw new Error(`${url} did not become ready within ${timeoutMs / 1000} s`);
		await new Promise(resolve => setTimeout(resolve, 250));
	}
}

/** The topology of `npm run stack`: a gateway and two instances each of orders and payments. */
export function stackTopology(): InstanceSpec[] {
	return [
		{ name: "orders-1", services: ["orders"] },
		{ name: "orders-2", services: ["orders"] },
		{ name: "payments-1", services: ["payments"] },
		{ name: "payments-2", services: ["payments"] },
		{ name: "gateway-1", services: ["gateway"] },
	];
}
