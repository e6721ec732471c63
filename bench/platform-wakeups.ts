/**
 * `npm run bench:wakeups`: what one wake-up of a Node process costs on this machine, with none of
 * Gozon in it. A bare HTTP server (its own process, answering a few bytes of JSON) is sent
 * requests at fixed rates; at a low rate each request wakes it alone, at a high rate one wake-up
 * serves several. CPU per request at each rate, against the cost at the highest rate, says how
 * much of a request's price is the wake-up rather than the work: the same price every process of
 * the mesh pays for each hop of an order, which is why an order at half load costs about twice
 * its CPU at saturation (README.md, "Performance").
 */
import { spawn } from "node:child_process";
import { httpGetter } from "./http-get.js";
import { closedLoop, openLoop } from "./load.js";
import { progress, step } from "./progress.js";
import { ticksOf, TICKS_PER_SECOND } from "./system/cpu-use.js";

const RATES = (process.env.WAKEUP_RATES ?? "100,300,600,1200,3000,6000").split(",").map(Number);
const SECONDS = Number(process.env.WAKEUP_SECONDS ?? 5);

/** CPU time of a process so far, in ms (from /proc: Linux only). */
const cpuMsOf = (pid: number) => (ticksOf(pid) * 1000) / TICKS_PER_SECOND;

const SERVER = `require("node:http").createServer((req, res) => { res.setHeader("content-type", "application/json"); res.end('{"ok":true}'); })
	.listen(0, "127.0.0.1", function () { process.stdout.write(String(this.address().port) + "\\n"); });`;

const server = spawn(process.execPath, ["-e", SERVER], { stdio: ["ignore", "pipe", "inherit"] });
try {
	const port = await new Promise<string>((resolve, reject) => {
		server.stdout.once("data", data => resolve(String(data).trim()));
		server.once("exit", code => reject(new Error(`the server exited (${code})`)));
	});
	const get = httpGetter(`http://127.0.0.1:${port}`, 64);
	step("warming the server up (JIT) for 5 s");
	await closedLoop(32, 5000, () => get("/"), n => progress(`warm-up: ${n} requests`));

	const rows: { rate: number; serverMs: number; clientMs: number }[] = [];
	for (const rate of RATES) {
		step(`${rate} requests/s for ${SECONDS} s`);
		const serverBefore = cpuMsOf(server.pid!);
		const clientBefore = process.cpuUsage();
		const load = await openLoop(rate, SECONDS * 1000, () => get("/"));
		const client = process.cpuUsage(clientBefore);
		const requests = load.ok + load.errors;
		rows.push({ rate, serverMs: (cpuMsOf(server.pid!) - serverBefore) / requests, clientMs: (client.user + client.system) / 1000 / requests });
	}

	const cheapest = rows[rows.length - 1];
	const lines = [
		"| requests/s | server CPU ms per request | × its cost at the highest rate | client CPU ms per request |",
		"| ---: | ---: | ---: | ---: |",
		...rows.map(r => `| ${r.rate.toLocaleString("en-US")} | ${r.serverMs.toFixed(3)} | ${(r.serverMs / cheapest.serverMs).toFixed(1)} | ${r.clientMs.toFixed(3)} |`),
	];
	process.stdout.write(`\n${lines.join("\n")}\n`);
} finally {
	server.kill();
}
