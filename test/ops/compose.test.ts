/**
 * docker-compose.yml and the Dockerfile describe the topology `npm run stack` runs. Docker does
 * not run everywhere the tests do, so this reads the files: the same instances with the same
 * services and node ids, the variables the code reads (and those the stack sets), the same
 * ports, one image for every Gozon role, health checks and start order. `docker compose config`
 * (or the standalone docker-compose) validates the file as Compose sees it.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "@jest/globals";
import { parse } from "yaml";
import { loadConfig } from "../../infra/config.js";
import { PROJECT_ROOT } from "../../infra/local/daemon.js";
import { KAFKA_PORT, KAFKA_VERSION } from "../../infra/local/kafka.js";
import { NATS_PORT } from "../../infra/local/nats.js";
import { ORDERS_DB, PAYMENTS_DB, POSTGRES_PORT } from "../../infra/local/postgres.js";
import { NODE_START_ARGS, stackTopology } from "../../infra/local/service-processes.js";
import { DEFAULT_METRICS_PORT } from "../../infra/observability/broker-options.js";

interface ComposeService {
	image?: string;
	build?: string | { context: string };
	command?: string[];
	environment?: Record<string, string | number>;
	ports?: string[];
	depends_on?: Record<string, { condition: string }>;
	healthcheck?: { test: string[] };
	profiles?: string[];
	user?: string;
}

const read = (file: string) => readFileSync(path.join(PROJECT_ROOT, file), "utf8");
const compose = parse(read("docker-compose.yml"), { merge: true }) as { services: Record<string, ComposeService> };
const services = compose.services;
const env = (name: string) => Object.fromEntries(Object.entries(services[name].environment ?? {}).map(([k, v]) => [k, String(v)]));

/** Containers that run Gozon's own image: the instances, the migration step, the tools. */
const gozonContainers = Object.keys(services).filter(name => services[name].build !== undefined);
/** The long-running instances: those that run services. */
const instances = gozonContainers.filter(name => env(name).SERVICES !== undefined);

/** Every environment variable the code reads (process.env.X, env.X, int("X"), list("X")). */
function variablesReadByCode(): Set<string> {
	const files: string[] = ["moleculer.config.ts"];
	const walk = (dir: string) => {
		for (const entry of readdirSync(path.join(PROJECT_ROOT, dir))) {
			const rel = path.join(dir, entry);
			if (statSync(path.join(PROJECT_ROOT, rel)).isDirectory()) walk(rel);
			else if (rel.endsWith(".ts")) files.push(rel);
		}
	};
	for (const dir of ["bin", "services", "mixins", "infra", "domain", "scripts"]) walk(dir);
	const names = new Set<string>();
	const patterns = [/\bprocess\.env\.([A-Z][A-Z0-9_]*)/g, /\bprocess\.env\[["'`]([A-Z][A-Z0-9_]*)["'`]\]/g, /\benv\.([A-Z][A-Z0-9_]*)/g, /\b(?:int|list)\(\s*["']([A-Z][A-Z0-9_]*)["']/g];
	for (const file of files) for (const pattern of patterns) for (const [, name] of read(file).matchAll(pattern)) names.add(name);
	return names;
}

/** The variables `npm run stack` hands every instance (the InfraEnv of infra/local/index.ts). */
function stackVariables(): string[] {
	const block = /export interface InfraEnv \{([^}]*)\}/.exec(read("infra/local/index.ts"))?.[1] ?? "";
	return [...block.matchAll(/^\s*([A-Z][A-Z0-9_]*)\s*:/gm)].map(m => m[1]);
}

function portOf(url: string): number {
	return Number(new URL(url.includes("://") ? url : `tcp://${url}`).port);
}
function hostOf(url: string): string {
	return new URL(url.includes("://") ? url : `tcp://${url}`).hostname;
}

describe("docker-compose.yml against `npm run stack`", () => {
	it("runs the stack's instances: same names, services and counts", () => {
		const stack = stackTopology();
		expect([...instances].sort()).toEqual(stack.map(s => s.name).sort());
		for (const spec of stack) {
			expect(env(spec.name).SERVICES).toBe(spec.services.join(","));
			expect(env(spec.name).NODE_ID).toBe(spec.name);
		}
		const count = (list: string[][]) => list.flat().reduce<Record<string, number>>((n, s) => ({ ...n, [s]: (n[s] ?? 0) + 1 }), {});
		expect(count(instances.map(name => env(name).SERVICES.split(",")))).toEqual(count(stack.map(s => s.services)));
	});

	it("sets only variables the code reads, and the ones the stack sets where they are used", () => {
		const known = variablesReadByCode();
		for (const name of gozonContainers) {
			const unknown = Object.keys(env(name)).filter(v => !known.has(v));
			expect({ container: name, unknown }).toEqual({ container: name, unknown: [] });
		}
		const stackVars = stackVariables();
		expect(stackVars.sort()).toEqual(["KAFKA_BROKERS", "ORDERS_DB_URL", "PAYMENTS_DB_URL", "TRANSPORTER"]);
		const needs: Record<string, string[]> = {
			orders: ["TRANSPORTER", "KAFKA_BROKERS", "ORDERS_DB_URL", "METRICS_PORT"],
			payments: ["TRANSPORTER", "KAFKA_BROKERS", "PAYMENTS_DB_URL", "METRICS_PORT"],
			gateway: ["TRANSPORTER", "PORT", "METRICS_PORT"],
		};
		for (const name of instances) {
			for (const service of env(name).SERVICES.split(",")) expect(Object.keys(env(name))).toEqual(expect.arrayContaining(needs[service]));
		}
		const setSomewhere = new Set(instances.flatMap(name => Object.keys(env(name))));
		for (const variable of stackVars) expect(setSomewhere.has(variable)).toBe(true);
		expect(Object.keys(env("migrate"))).toEqual(expect.arrayContaining(["ORDERS_DB_URL", "PAYMENTS_DB_URL"]));
	});

	it("uses the stack's ports, and points at containers that exist", () => {
		const previous = process.env.PORT;
		delete process.env.PORT;
		const defaultPort = loadConfig().port;
		if (previous !== undefined) process.env.PORT = previous;

		for (const name of [...instances, "migrate"]) {
			const e = env(name);
			if (e.TRANSPORTER) expect([hostOf(e.TRANSPORTER), portOf(e.TRANSPORTER)]).toEqual(["nats", NATS_PORT]);
			if (e.KAFKA_BROKERS) for (const b of e.KAFKA_BROKERS.split(",")) expect([hostOf(b), portOf(b)]).toEqual(["kafka", KAFKA_PORT]);
			for (const [variable, db] of [["ORDERS_DB_URL", ORDERS_DB], ["PAYMENTS_DB_URL", PAYMENTS_DB]] as const) {
				if (!e[variable]) continue;
				const url = new URL(e[variable].replace(/\$\{[^}]*\}/g, "x"));
				expect(Number(url.port)).toBe(POSTGRES_PORT);
				expect(url.pathname).toBe(`/${db}`);
				expect(env(url.hostname).POSTGRES_DB).toBe(db);
			}
			if (e.SERVICES) expect(Number(e.METRICS_PORT)).toBe(DEFAULT_METRICS_PORT);
		}
		const gateway = instances.find(name => env(name).SERVICES === "gateway")!;
		expect(Number(env(gateway).PORT)).toBe(defaultPort);
		expect(services[gateway].ports).toEqual(expect.arrayContaining([`${defaultPort}:${defaultPort}`, `${DEFAULT_METRICS_PORT}:${DEFAULT_METRICS_PORT}`]));
		expect(env("kafka").KAFKA_LISTENERS).toContain(`PLAINTEXT://:${KAFKA_PORT}`);
		expect(env("kafka").KAFKA_ADVERTISED_LISTENERS).toBe(`PLAINTEXT://kafka:${KAFKA_PORT}`);
		expect(services.nats.command).toEqual(expect.arrayContaining(["--port", String(NATS_PORT)]));
	});

	it("builds every Gozon container from the one Dockerfile, and runs the local infrastructure's Kafka", () => {
		for (const name of gozonContainers) {
			expect(services[name].build).toBe(".");
			expect(services[name].image).toBe(services[instances[0]].image);
		}
		expect(services.kafka.image).toBe(`apache/kafka:${KAFKA_VERSION}`);
		expect(services["postgres-orders"].image).toMatch(/^postgres:/);
		expect(services["postgres-payments"].image).toBe(services["postgres-orders"].image);
	});

	it("checks health and starts in order: databases, migration, NATS and Kafka, services, gateway", () => {
		const always = Object.keys(services).filter(name => !services[name].profiles);
		for (const name of always.filter(n => n !== "migrate")) expect({ name, healthcheck: Boolean(services[name].healthcheck) }).toEqual({ name, healthcheck: true });
		expect(services.migrate.command).toEqual(["node", "--import", "tsx", "scripts/migrate.ts"]);
		expect(existsSync(path.join(PROJECT_ROOT, "scripts/migrate.ts"))).toBe(true);
		expect(services.migrate.depends_on).toEqual({
			"postgres-orders": { condition: "service_healthy" },
			"postgres-payments": { condition: "service_healthy" },
		});
		for (const name of instances.filter(n => env(n).SERVICES !== "gateway")) {
			expect(services[name].depends_on).toMatchObject({
				migrate: { condition: "service_completed_successfully" },
				nats: { condition: "service_healthy" },
				kafka: { condition: "service_healthy" },
			});
		}
		const gateway = instances.find(name => env(name).SERVICES === "gateway")!;
		for (const name of instances.filter(n => n !== gateway)) expect(services[gateway].depends_on?.[name]).toEqual({ condition: "service_healthy" });
	});
});

describe("Dockerfile", () => {
	const dockerfile = read("Dockerfile");
	const stages = dockerfile.split(/^FROM /m).slice(1);

	it("builds in stages and runs as a non-root user", () => {
		expect(stages.length).toBeGreaterThanOrEqual(2);
		const runtime = stages[stages.length - 1];
		expect(runtime).toMatch(/^USER (?!root\b|0\b)\S+/m);
		expect(runtime).not.toMatch(/npm (ci|install)(?! --omit=dev)/);
		for (const [, sources] of runtime.matchAll(/^COPY (?!--from)((?:\S+ )+)\S+$/gm)) {
			for (const source of sources.trim().split(" ")) expect({ source, exists: existsSync(path.join(PROJECT_ROOT, source)) }).toEqual({ source, exists: true });
		}
	});

	it("starts a node the way `npm run stack` does", () => {
		const cmd = JSON.parse(/^CMD (\[.*\])$/m.exec(dockerfile)![1]) as string[];
		expect(cmd).toEqual(["node", ...NODE_START_ARGS]);
	});

	it("leaves the local state and the tests out of the build context", () => {
		const ignored = read(".dockerignore").split("\n").map(l => l.trim());
		for (const entry of ["node_modules", ".data", ".git", "test"]) expect(ignored).toContain(entry);
	});
});

/** Docker's compose plugin where installed, else the standalone docker-compose (.ci/run installs it). */
function composeCommand(): string[] {
	if (spawnSync("docker", ["compose", "version"], { stdio: "ignore" }).status === 0) return ["docker", "compose"];
	return ["docker-compose"];
}

describe("docker compose config", () => {
	it("accepts the file with every profile", () => {
		const [command, ...prefix] = composeCommand();
		const result = spawnSync(command, [...prefix, "--profile", "tools", "--profile", "observability", "config", "--quiet"], { cwd: PROJECT_ROOT, encoding: "utf8" });
		expect(result.error).toBeUndefined();
		expect(result.stderr).toBe("");
		expect(result.status).toBe(0);
	});
});
