import { spawn, type ChildProcess } from "node:child_process";
import {
	accessSync,
	closeSync,
	constants,
	mkdirSync,
	openSync,
	readdirSync,
	readFileSync,
	rmSync,
	writeFileSync,
} from "node:fs";
import { delimiter, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { sleep } from "./ports.js";

/** Repository root, found from this file so it works whatever the current directory is. */
export const PROJECT_ROOT = fileURLToPath(new URL("../../", import.meta.url));
/** Git-ignored home of everything the local infrastructure downloads or writes. */
export const DATA_ROOT = join(PROJECT_ROOT, ".data");

export type Log = (line: string) => void;
/** Progress goes to stderr so that stdout stays clean for `eval "$(npm run -s infra)"`. */
export const stderrLog: Log = (line) => process.stderr.write(`${line}\n`);

export const seconds = (sinceMs: number): string => `${((Date.now() - sinceMs) / 1000).toFixed(1)}s`;

/** Alive and not a zombie: a child that exited but was not reaped yet still answers kill(pid, 0). */
export function isAlive(pid: number): boolean {
	try {
		process.kill(pid, 0);
	} catch (err) {
		// EPERM means the process exists but belongs to someone else.
		return (err as NodeJS.ErrnoException).code === "EPERM";
	}
	try {
		const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
		return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
	} catch {
		return true; // no /proc (not Linux): trust kill(pid, 0)
	}
}

export function readPid(pidFile: string): number | undefined {
	try {
		const pid = Number.parseInt(readFileSync(pidFile, "utf8").trim(), 10);
		return Number.isInteger(pid) && pid > 0 ? pid : undefined;
	} catch {
		return undefined;
	}
}

/** The arguments of a process, [] if unknown; used to make sure a pid was not reused. */
export function argvOf(pid: number): string[] {
	try {
		return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").slice(0, -1);
	} catch {
		return [];
	}
}

export const cmdlineOf = (pid: number): string => argvOf(pid).join(" ");

/** Pids of all processes (Linux /proc), [] where there is no /proc. */
export function allPids(): number[] {
	try {
		return readdirSync("/proc")
			.map(Number)
			.filter((pid) => Number.isInteger(pid) && pid > 0);
	} catch {
		return [];
	}
}

export interface DaemonSpec {
	command: string;
	args: string[];
	cwd: string;
	logFile: string;
	pidFile: string;
	env?: NodeJS.ProcessEnv;
}

/**
 * Starts a process in its own session (so it outlives us and a Ctrl-C in our terminal),
 * with output appended to a log file rather than our pipes: `$(npm run infra)` must not
 * wait for a daemon that inherited its stdout.
 */
export function spawnDaemon(spec: DaemonSpec): ChildProcess {
	mkdirSync(dirname(spec.logFile), { recursive: true });
	const logFd = openSync(spec.logFile, "a");
	try {
		const child = spawn(spec.command, spec.args, {
			cwd: spec.cwd,
			env: spec.env ?? process.env,
			detached: true,
			stdio: ["ignore", logFd, logFd],
		});
		if (child.pid === undefined) throw new Error(`could not start ${spec.command}`);
		writeFileSync(spec.pidFile, `${child.pid}\n`);
		child.unref();
		return child;
	} finally {
		closeSync(logFd);
	}
}

/** Signals the whole process group (the daemon leads its own), falling back to the pid. */
export function signalGroup(pid: number, signal: NodeJS.Signals): void {
	try {
		process.kill(-pid, signal);
	} catch {
		try {
			process.kill(pid, signal);
		} catch {
			/* already gone */
		}
	}
}

export async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
	const deadline = Date.now() + timeoutMs;
	while (isAlive(pid)) {
		if (Date.now() >= deadline) return false;
		await sleep(100);
	}
	return true;
}

/** SIGTERM, then SIGKILL if the process is still there after timeoutMs. */
export async function terminate(pid: number, timeoutMs: number, force = false): Promise<void> {
	signalGroup(pid, force ? "SIGKILL" : "SIGTERM");
	if (await waitForExit(pid, timeoutMs)) return;
	signalGroup(pid, "SIGKILL");
	if (!(await waitForExit(pid, 10_000))) throw new Error(`process ${pid} survived SIGKILL`);
}

export function tail(file: string, lines = 30): string {
	try {
		return readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
	} catch {
		return "";
	}
}

/** Finds an executable by absolute path candidates first, then on PATH. */
export function findExecutable(name: string, candidates: string[] = []): string | undefined {
	const dirs = (process.env.PATH ?? "").split(delimiter).filter(Boolean);
	for (const file of [...candidates, ...dirs.map((dir) => join(dir, name))]) {
		try {
			accessSync(file, constants.X_OK);
			return file;
		} catch {
			/* keep looking */
		}
	}
	return undefined;
}

/**
 * Cross-process mutual exclusion through an exclusively created file holding the owner's pid.
 * Parallel test workers calling ensureKafka() at once must not start two brokers on one
 * data directory; a lock left by a dead process is taken over.
 */
export async function withLock<T>(lockFile: string, timeoutMs: number, fn: () => Promise<T>): Promise<T> {
	mkdirSync(dirname(lockFile), { recursive: true });
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		try {
			writeFileSync(lockFile, `${process.pid}\n`, { flag: "wx" });
			break;
		} catch (err) {
			if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
			const owner = readPid(lockFile);
			if (owner !== undefined && !isAlive(owner)) {
				rmSync(lockFile, { force: true });
				continue;
			}
			if (Date.now() >= deadline) throw new Error(`timed out waiting for ${lockFile} (held by pid ${owner})`);
			await sleep(200);
		}
	}
	try {
		return await fn();
	} finally {
		if (readPid(lockFile) === process.pid) rmSync(lockFile, { force: true });
	}
}
