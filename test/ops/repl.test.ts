/**
 * `npm run repl` joins a running mesh and answers Gozon's commands: the REPL is spawned as its
 * own process in the mesh's namespace, commands go in on stdin, tables come out on stdout.
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { PROJECT_ROOT } from "../../infra/local/daemon.js";
import { startMesh, type Mesh } from "../support/mesh.js";
import { waitFor } from "../support/wait-for.js";

let mesh: Mesh;
let repl: ChildProcessWithoutNullStreams;
let output = "";

beforeAll(async () => {
	mesh = await startMesh({ orders: 2, payments: 1 });
	repl = spawn(process.execPath, ["--import", "tsx", "scripts/repl.ts"], {
		cwd: PROJECT_ROOT,
		env: { ...process.env, NAMESPACE: mesh.namespace, LOG_LEVEL: "warn" },
	});
	repl.stdout.on("data", chunk => (output += chunk));
	repl.stderr.on("data", chunk => (output += chunk));
	await until(() => /Joined namespace/.test(output) && /gozon \$/.test(output), "the REPL to join the mesh");
});

afterAll(async () => {
	if (repl && repl.exitCode === null) repl.kill("SIGKILL");
	await mesh?.stop();
});

function until(done: () => boolean, what: string, timeoutMs = 60_000) {
	return waitFor(async () => done(), ok => ok, { timeoutMs, intervalMs: 100, what: `${what}; REPL output so far:\n${output}` });
}

/** Sends a command and returns what the REPL printed until `done` holds for it. */
async function command(line: string, done: (printed: string) => boolean): Promise<string> {
	const from = output.length;
	repl.stdin.write(`${line}\n`);
	await until(() => done(output.slice(from)), `an answer to "${line}"`);
	return output.slice(from);
}

describe("npm run repl", () => {
	it("shows the outbox of every orders and payments instance", async () => {
		const printed = await command("outbox", out => /outage errors/.test(out) && /payments-1/.test(out));
		for (const node of ["orders-1", "orders-2", "payments-1"]) expect(printed).toMatch(new RegExp(`^${node}\\s+(orders|payments)\\s+\\d+\\s+\\d+`, "m"));
	});

	it("shows the inbox counters and the dead letters", async () => {
		const inbox = await command("inbox", out => /conflict retries/.test(out) && /payments-1/.test(out));
		expect(inbox).toMatch(/^payments-1\s+payments\s+\d+\s+\d+\s+\d+\s+\d+$/m);
		const dlq = await command("dlq", out => /gozon\.payments\.v1\.dlq\s+\d+/.test(out));
		expect(dlq).toMatch(/^orders-1\s+orders\s+\d+/m);
		expect(dlq).toMatch(/^gozon\.orders\.v1\.dlq\s+\d+/m);
	});

	it("runs the audit", async () => {
		const printed = await command("audit", out => /audit: (passed|exit status)/.test(out));
		expect(printed).toMatch(/AUDIT (OK|FAILED)/);
		expect(printed).toMatch(/orders\s+NEW \d+\s+FINISHED \d+\s+CANCELED \d+/);
	});

	it("quits on `quit`", async () => {
		const exited = new Promise<number | null>(resolve => repl.once("exit", code => resolve(code)));
		repl.stdin.write("quit\n");
		expect(await exited).toBe(0);
	});
});
