/**
 * A real Apache Kafka broker on 127.0.0.1:9092 without Docker: the broker's jars come from
 * Maven Central once (cached under .data/kafka/<version>/lib) and run with plain `java` as a
 * single KRaft node that is both broker and controller.
 */
// Before kafkajs: its producer takes the partition grouping when it loads.
import "../eventlog/kafkajs-linear-grouping.js";
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { delimiter, dirname, join } from "node:path";
import { promisify } from "node:util";
import { logLevel } from "kafkajs";
import { kafkaClient } from "../eventlog/kafka-client.js";
import {
	DATA_ROOT,
	allPids,
	argvOf,
	findExecutable,
	isAlive,
	readPid,
	seconds,
	spawnDaemon,
	stderrLog,
	tail,
	terminate,
	withLock,
	type DaemonSpec,
	type Log,
} from "./daemon.js";
import { LOCALHOST, isPortOpen, sleep, waitForPort } from "./ports.js";

const run = promisify(execFile);

/**
 * Kafka 4 dropped the oldest protocol versions but kept every one KafkaJS 2.2.4 negotiates:
 * idempotent producers, consumer groups and reconnection after a broker restart all work on 4.1.
 */
export const KAFKA_VERSION = process.env.KAFKA_VERSION ?? "4.1.2";
/** The log4j2 that kafka_2.13 4.1.2 already depends on; the slf4j 1.7 binding must match it. */
const LOG4J_VERSION = "2.25.3";
/** Pinned so that resolution does not depend on whatever plugin version is newest today. */
const DEPENDENCY_PLUGIN = "org.apache.maven.plugins:maven-dependency-plugin:3.8.1";

export const KAFKA_PORT = 9092;
const CONTROLLER_PORT = 9093;
export const KAFKA_BROKERS = `${LOCALHOST}:${KAFKA_PORT}`;

const HOME = join(DATA_ROOT, "kafka");
const VERSION_DIR = join(HOME, KAFKA_VERSION);
const LIB_DIR = join(VERSION_DIR, "lib");
/** Written last, after every jar is in place, so an interrupted download is redone. */
const LIB_MARKER = join(LIB_DIR, ".complete");
/** Per version: a newer Kafka formats storage with a metadata version an older one refuses. */
const DATA_DIR = join(VERSION_DIR, "data");
const CONFIG_FILE = join(HOME, "server.properties");
const LOG4J_FILE = join(HOME, "log4j2.xml");
export const KAFKA_LOG_FILE = join(HOME, "server.log");
/** JVM stdout/stderr: only startup failures land here, everything else goes to server.log. */
const OUT_FILE = join(HOME, "kafka.out");
const PID_FILE = join(HOME, "kafka.pid");
const LOCK_FILE = join(HOME, "start.lock");

export interface KafkaOptions {
	/** Progress lines; stderr by default. */
	log?: Log;
	/** How long the broker may take to answer once launched (jar download not included). */
	timeoutMs?: number;
}

export interface KafkaInfo {
	brokers: string;
	/** True only when this call launched the broker. */
	startedByUs: boolean;
}

export interface StopKafkaOptions {
	log?: Log;
	/** Grace period for a clean shutdown before SIGKILL. */
	timeoutMs?: number;
	/** SIGKILL at once: simulates a crash rather than a clean stop. */
	force?: boolean;
	/** Also stop another checkout's broker when that one serves 9092 (default true, see stopKafka). */
	otherCheckouts?: boolean;
}

/** True when 127.0.0.1:9092 accepts connections and answers a metadata request. */
export async function isKafkaUp(): Promise<boolean> {
	if (!(await isPortOpen(KAFKA_PORT, LOCALHOST, 500))) return false;
	const admin = kafkaClient({
		clientId: "gozon-infra-probe",
		brokers: [KAFKA_BROKERS],
		logLevel: logLevel.NOTHING,
		connectionTimeout: 1000,
		requestTimeout: 3000,
		retry: { retries: 0 },
	}).admin();
	try {
		await admin.connect();
		await admin.listTopics();
		return true;
	} catch {
		return false;
	} finally {
		await admin.disconnect().catch(() => undefined);
	}
}

/** Uses a broker that already answers on 9092, otherwise starts ours. */
export async function ensureKafka(opts: KafkaOptions = {}): Promise<KafkaInfo> {
	if (await isKafkaUp()) {
		(opts.log ?? stderrLog)(`kafka: using the broker on ${KAFKA_BROKERS}`);
		return { brokers: KAFKA_BROKERS, startedByUs: false };
	}
	return startKafka(opts);
}

/** Starts the local broker unless it is already up; resolves once it answers KafkaJS. */
export async function startKafka(opts: KafkaOptions = {}): Promise<KafkaInfo> {
	const log = opts.log ?? stderrLog;
	const timeoutMs = opts.timeoutMs ?? 90_000;
	// Generous: a competing process may be downloading the jars on a slow network.
	return withLock(LOCK_FILE, 15 * 60_000, async () => {
		if (await isKafkaUp()) return { brokers: KAFKA_BROKERS, startedByUs: false };

		const running = findBroker(false);
		if (running !== undefined) {
			log(`kafka: waiting for the broker already starting (pid ${running.pid})…`);
			await waitUntilReady(running.pid, Date.now() + timeoutMs);
			return { brokers: KAFKA_BROKERS, startedByUs: false };
		}
		for (const port of [KAFKA_PORT, CONTROLLER_PORT]) {
			if (await isPortOpen(port)) {
				throw new Error(`kafka: ${LOCALHOST}:${port} is taken by a process that is not a Kafka broker`);
			}
		}
		if (stoppedForeign !== undefined && existsSync(configOf(stoppedForeign.argv))) {
			const { argv, home } = stoppedForeign;
			stoppedForeign = undefined;
			return relaunch(argv, home, timeoutMs, log);
		}

		const started = Date.now();
		const java = javaBinary();
		await resolveJars(log);
		writeConfig();
		await formatStorage(java, log);

		log(`kafka: starting Apache Kafka ${KAFKA_VERSION} (log: ${KAFKA_LOG_FILE})…`);
		const archive = classArchive(java);
		const firstWithoutArchive = !existsSync(archive) && !existsSync(`${archive}.attempted`);
		await launchOurs(java, timeoutMs, log);
		if (firstWithoutArchive) {
			// The class-data archive is written when this JVM exits, which takes a while on a busy
			// machine; paying that once now keeps the first stopKafka() of a test as quick as the rest.
			writeFileSync(`${archive}.attempted`, "");
			log("kafka: restarting once to write the class-data archive (first run only)…");
			const pid = readPid(PID_FILE);
			if (pid !== undefined) await terminate(pid, 180_000);
			await launchOurs(java, timeoutMs, log);
		}
		log(`kafka: started on ${KAFKA_BROKERS} in ${seconds(started)}`);
		return { brokers: KAFKA_BROKERS, startedByUs: true };
	});
}

/**
 * Stops the local broker and waits until it is gone and the port is closed, so that
 * startKafka() can reuse the data directory. Returns false when there was no such broker.
 *
 * On a machine where several checkouts of the project live (a CI clone next to a working
 * copy), 9092 may be served by another checkout's broker: that one is stopped too, and the next
 * startKafka() in this process launches it again with its own data, as an outage test expects.
 */
export async function stopKafka(opts: StopKafkaOptions = {}): Promise<boolean> {
	const log = opts.log ?? stderrLog;
	// Another checkout's broker only counts when it is the one serving this machine's port.
	const broker = findBroker((opts.otherCheckouts ?? true) && (await isPortOpen(KAFKA_PORT)));
	if (broker === undefined) return false;
	const started = Date.now();
	if (broker.home !== HOME) stoppedForeign = broker;
	// A JVM that writes its class-data archive on exit needs longer than a plain shutdown.
	const writesArchive = broker.argv.some((arg) => arg.startsWith("-XX:ArchiveClassesAtExit="));
	await terminate(broker.pid, opts.timeoutMs ?? (writesArchive ? 180_000 : 30_000), opts.force ?? false);
	rmSync(join(broker.home, "kafka.pid"), { force: true });
	await waitForPort(KAFKA_PORT, { closed: true, timeoutMs: 10_000 });
	log(`kafka: stopped (pid ${broker.pid}) in ${seconds(started)}`);
	return true;
}

interface BrokerProcess {
	pid: number;
	argv: string[];
	/** The .data/kafka folder of the checkout that launched it. */
	home: string;
}

/** Another checkout's broker stopped by this process, to be launched again by startKafka(). */
let stoppedForeign: BrokerProcess | undefined;

const configOf = (argv: string[]): string => argv[argv.length - 1] ?? "";

/**
 * The broker of this checkout (pid file first, then by command line: the pid file may be lost),
 * else, if asked, one launched by another checkout of the project. The command line is always
 * checked, so a reused pid is never signalled.
 */
function findBroker(includeForeign: boolean): BrokerProcess | undefined {
	const inspect = (pid: number): BrokerProcess | undefined => {
		const argv = argvOf(pid);
		const config = configOf(argv);
		if (!argv.includes("kafka.Kafka") || !config.endsWith("/.data/kafka/server.properties") || !isAlive(pid)) {
			return undefined;
		}
		return { pid, argv, home: dirname(config) };
	};
	const fromFile = readPid(PID_FILE);
	const ours = fromFile === undefined ? undefined : inspect(fromFile);
	if (ours?.home === HOME) return ours;
	rmSync(PID_FILE, { force: true });
	const all = allPids()
		.filter((pid) => pid !== process.pid)
		.map(inspect)
		.filter((broker): broker is BrokerProcess => broker !== undefined);
	return all.find((broker) => broker.home === HOME) ?? (includeForeign ? all[0] : undefined);
}

/** Starts a broker again with the exact command line it had, in its own checkout's folder. */
async function relaunch(argv: string[], home: string, timeoutMs: number, log: Log): Promise<KafkaInfo> {
	const started = Date.now();
	log(`kafka: starting the broker of ${home} again…`);
	const [command, ...args] = argv;
	const logFile = join(home, "kafka.out");
	await launch({ command: command as string, args, cwd: home, logFile, pidFile: join(home, "kafka.pid") }, timeoutMs);
	log(`kafka: started on ${KAFKA_BROKERS} in ${seconds(started)}`);
	return { brokers: KAFKA_BROKERS, startedByUs: true };
}

/** Launches this checkout's broker with the current configuration. */
async function launchOurs(java: string, timeoutMs: number, log: Log): Promise<void> {
	const spec = (): DaemonSpec => ({
		command: java,
		args: [...jvmOptions(java), "-cp", classpath(), "kafka.Kafka", CONFIG_FILE],
		cwd: HOME,
		logFile: OUT_FILE,
		pidFile: PID_FILE,
	});
	try {
		await launch(spec(), timeoutMs);
	} catch (err) {
		// A damaged class-data archive must not keep the broker down: drop it and try once more.
		const archive = classArchive(java);
		if (!(err instanceof BrokerExitedError) || !existsSync(archive)) throw err;
		log("kafka: the broker exited at once; retrying without its class-data archive…");
		rmSync(archive, { force: true });
		await launch(spec(), timeoutMs);
	}
}

/** Spawns the broker and waits until it answers; a broker that never gets there is stopped. */
async function launch(spec: DaemonSpec, timeoutMs: number): Promise<void> {
	const pid = spawnDaemon(spec).pid as number;
	try {
		await waitUntilReady(pid, Date.now() + timeoutMs);
	} catch (err) {
		if (isAlive(pid)) await terminate(pid, 10_000);
		rmSync(spec.pidFile, { force: true });
		throw err;
	}
}

class BrokerExitedError extends Error {}

async function waitUntilReady(pid: number, deadline: number): Promise<void> {
	for (;;) {
		if (!isAlive(pid)) {
			throw new BrokerExitedError(`kafka: the broker exited during startup.\n${failureDetails()}`);
		}
		if (await isKafkaUp()) return;
		if (Date.now() >= deadline) {
			throw new Error(`kafka: the broker did not answer on ${KAFKA_BROKERS} in time.\n${failureDetails()}`);
		}
		await sleep(250);
	}
}

function failureDetails(): string {
	return [`--- ${OUT_FILE}`, tail(OUT_FILE, 20), `--- ${KAFKA_LOG_FILE}`, tail(KAFKA_LOG_FILE, 30)].join("\n");
}

function javaBinary(): string {
	const fromHome = process.env.JAVA_HOME ? join(process.env.JAVA_HOME, "bin", "java") : undefined;
	const java = findExecutable("java", fromHome ? [fromHome] : []);
	if (!java) throw new Error("kafka: `java` (17 or newer) is needed to run the local Kafka broker");
	return java;
}

/** The jars listed in a fixed order: a class-data archive is only accepted for the classpath it was made with. */
function classpath(): string {
	return readdirSync(LIB_DIR)
		.filter((name) => name.endsWith(".jar"))
		.sort()
		.map((name) => join(LIB_DIR, name))
		.join(delimiter);
}

/**
 * Starting the JVM is mostly class loading and JIT compilation. On a small machine busy with the
 * test suite (2 CPUs here) that stretched a restart to 15-30 s; two switches cut the CPU time of
 * a start about threefold: an application class-data archive, written once when the first broker
 * exits and mapped by every later one, and the C1 compiler only (C2's extra throughput hardly
 * matters for a local broker, while its compile threads compete with the tests). KAFKA_OPTS is
 * appended last, so for example KAFKA_OPTS=-XX:TieredStopAtLevel=4 brings back the full JIT.
 */
function jvmOptions(java: string): string[] {
	const archive = classArchive(java);
	return [
		"-Xmx512m",
		"-Xms512m",
		"-XX:+UseG1GC",
		"-XX:MaxGCPauseMillis=20",
		"-XX:InitiatingHeapOccupancyPercent=35",
		"-XX:+ExplicitGCInvokesConcurrent",
		"-XX:+ExitOnOutOfMemoryError",
		"-XX:TieredStopAtLevel=1",
		...(existsSync(archive)
			? [`-XX:SharedArchiveFile=${archive}`]
			: // Writing the archive lists every class it cannot store; only its errors are worth reading.
				[`-XX:ArchiveClassesAtExit=${archive}`, "-Xlog:cds*=error"]),
		"-Djava.awt.headless=true",
		`-Dkafka.logs.dir=${HOME}`,
		`-Dlog4j2.configurationFile=${LOG4J_FILE}`,
		...(process.env.KAFKA_OPTS ?? "").split(/\s+/).filter(Boolean),
	];
}

/** Named after the JVM's files: a JDK update cannot use an old archive, so it gets a new one. */
function classArchive(java: string): string {
	const { mtimeMs, size } = statSync(realpathSync(java));
	return join(VERSION_DIR, `classes-${Math.trunc(mtimeMs)}-${size}.jsa`);
}

/** First run only: a one-dependency POM and the dependency plugin give a complete classpath. */
async function resolveJars(log: Log): Promise<void> {
	if (existsSync(LIB_MARKER)) return;
	const mvn = findExecutable("mvn");
	if (!mvn) throw new Error("kafka: Maven (`mvn`) is needed once to fetch the Kafka jars");
	log(`kafka: resolving Apache Kafka ${KAFKA_VERSION} jars from Maven (first run only)…`);
	const started = Date.now();
	mkdirSync(VERSION_DIR, { recursive: true });
	const pom = join(VERSION_DIR, "pom.xml");
	writeFileSync(pom, pomXml());
	const staging = join(VERSION_DIR, `lib.partial-${process.pid}`);
	rmSync(staging, { recursive: true, force: true });
	try {
		const goal = `${DEPENDENCY_PLUGIN}:copy-dependencies`;
		const args = ["-q", "-B", "-f", pom, goal, `-DoutputDirectory=${staging}`, "-DincludeScope=runtime"];
		await run(mvn, args, { maxBuffer: 64 * 1024 * 1024 });
	} catch (err) {
		rmSync(staging, { recursive: true, force: true });
		const out = err as { stdout?: string; stderr?: string; message: string };
		const output = `${out.stdout ?? ""}${out.stderr ?? ""}`;
		throw new Error(`kafka: Maven could not resolve the Kafka jars: ${out.message}\n${output}`);
	}
	const jars = readdirSync(staging).filter((name) => name.endsWith(".jar"));
	if (!jars.some((name) => name.startsWith(`kafka_2.13-${KAFKA_VERSION}`))) {
		throw new Error(`kafka: Maven finished but ${staging} holds no kafka_2.13 jar`);
	}
	writeFileSync(join(staging, ".complete"), `${jars.sort().join("\n")}\n`);
	rmSync(LIB_DIR, { recursive: true, force: true });
	renameSync(staging, LIB_DIR);
	log(`kafka: ${jars.length} jars cached in ${LIB_DIR} (${seconds(started)})`);
}

function pomXml(): string {
	const dep = (group: string, artifact: string, version: string): string =>
		`    <dependency><groupId>${group}</groupId><artifactId>${artifact}</artifactId>` +
		`<version>${version}</version></dependency>`;
	return `<?xml version="1.0" encoding="UTF-8"?>
<!-- Generated by infra/local/kafka.ts: only used to download the Kafka broker's classpath. -->
<project>
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.gozon</groupId>
  <artifactId>kafka-broker-classpath</artifactId>
  <version>${KAFKA_VERSION}</version>
  <packaging>pom</packaging>
  <dependencies>
${dep("org.apache.kafka", "kafka_2.13", KAFKA_VERSION)}
    <!-- The broker's POM has no logging binding; Kafka 4 logs through slf4j 1.7. -->
${dep("org.apache.logging.log4j", "log4j-api", LOG4J_VERSION)}
${dep("org.apache.logging.log4j", "log4j-core", LOG4J_VERSION)}
${dep("org.apache.logging.log4j", "log4j-slf4j-impl", LOG4J_VERSION)}
  </dependencies>
</project>
`;
}

/** Rewritten on every start so that it always matches this file. */
function writeConfig(): void {
	mkdirSync(DATA_DIR, { recursive: true });
	const properties: Record<string, string | number | boolean> = {
		"process.roles": "broker,controller",
		"node.id": 1,
		"controller.quorum.bootstrap.servers": `${LOCALHOST}:${CONTROLLER_PORT}`,
		listeners: `PLAINTEXT://${LOCALHOST}:${KAFKA_PORT},CONTROLLER://${LOCALHOST}:${CONTROLLER_PORT}`,
		"advertised.listeners": `PLAINTEXT://${LOCALHOST}:${KAFKA_PORT},CONTROLLER://${LOCALHOST}:${CONTROLLER_PORT}`,
		"controller.listener.names": "CONTROLLER",
		"inter.broker.listener.name": "PLAINTEXT",
		"listener.security.protocol.map": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
		"log.dirs": DATA_DIR,
		"num.partitions": 4,
		"auto.create.topics.enable": true,
		"default.replication.factor": 1,
		"min.insync.replicas": 1,
		// A single node cannot hold more than one replica of the internal topics; fewer
		// partitions than the default 50 keep the first start and group coordination light.
		"offsets.topic.replication.factor": 1,
		"offsets.topic.num.partitions": 10,
		"transaction.state.log.replication.factor": 1,
		"transaction.state.log.min.isr": 1,
		"transaction.state.log.num.partitions": 4,
		"share.coordinator.state.topic.replication.factor": 1,
		"share.coordinator.state.topic.min.isr": 1,
		// Consumer groups in tests should form at once instead of waiting 3 s for more members.
		"group.initial.rebalance.delay.ms": 0,
		"log.retention.hours": 168,
	};
	const lines = Object.entries(properties).map(([key, value]) => `${key}=${value}`);
	writeFileSync(CONFIG_FILE, `# Generated by infra/local/kafka.ts on every start.\n${lines.join("\n")}\n`);
	writeFileSync(LOG4J_FILE, log4jXml());
}

function log4jXml(): string {
	const file = (name: string): string => join(HOME, name).replaceAll("&", "&amp;").replaceAll('"', "&quot;");
	return `<?xml version="1.0" encoding="UTF-8"?>
<!-- Generated by infra/local/kafka.ts on every start. -->
<!-- No shutdown hook: Kafka logs while it shuts down, and log4j's hook would switch to stdout. -->
<Configuration status="WARN" shutdownHook="disable">
  <Appenders>
    <RollingFile name="server" fileName="${file("server.log")}" filePattern="${file("server.log.%i")}">
      <PatternLayout pattern="[%d] %p %m (%c)%n"/>
      <SizeBasedTriggeringPolicy size="20 MB"/>
      <DefaultRolloverStrategy max="3"/>
    </RollingFile>
  </Appenders>
  <Loggers>
    <Root level="INFO"><AppenderRef ref="server"/></Root>
    <Logger name="kafka.request.logger" level="WARN"/>
    <Logger name="state.change.logger" level="WARN"/>
  </Loggers>
</Configuration>
`;
}

/** Formats the data directory once; a formatted one is recognised by its meta.properties. */
async function formatStorage(java: string, log: Log): Promise<void> {
	if (existsSync(join(DATA_DIR, "meta.properties"))) return;
	log("kafka: formatting storage (first run only)…");
	const args = [
		"-Xmx256m",
		"-XX:TieredStopAtLevel=1",
		`-Dlog4j2.configurationFile=${LOG4J_FILE}`,
		"-cp",
		classpath(),
		"kafka.tools.StorageTool",
		"format",
		"--cluster-id",
		clusterId(),
		"--config",
		CONFIG_FILE,
		"--standalone",
		"--ignore-formatted",
	];
	try {
		await run(java, args, { cwd: HOME, maxBuffer: 16 * 1024 * 1024 });
	} catch (err) {
		const out = err as { stdout?: string; stderr?: string; message: string };
		throw new Error(`kafka: formatting ${DATA_DIR} failed: ${out.message}\n${out.stdout ?? ""}${out.stderr ?? ""}`);
	}
}

/** Same shape as `kafka-storage.sh random-uuid` (base64url of 16 bytes), without a JVM start. */
function clusterId(): string {
	for (;;) {
		const id = randomBytes(16).toString("base64url");
		if (!id.startsWith("-")) return id; // Kafka's Uuid never starts with '-' (it reads as an option)
	}
}

