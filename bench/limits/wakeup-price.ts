/**
 * What one wake-up of a Node process costs on this machine, with none of Gozon in it. A bare HTTP
 * server (its own process, answering a few bytes of JSON) is sent requests at fixed rates; at a
 * low rate each request wakes it alone, at a high rate one wake-up serves several. CPU per
 * request at each rate, against the cost at the highest rate, says how much of a request's price
 * is the wake-up rather than the work: the price every process of the mesh pays for each hop of
 * an order, which sets how busy the box is at half load, and so its p99 (README.md,
 * "Performance"). The host's state moves it by a factor of two and more between sessions.
 */
import { spawn } from "node:child_process";
import { httpGetter } from "../http-get.js";
import { closedLoop, openLoop } from "../load.js";
import { ticksOf, TICKS_PER_SECOND } from "../system/cpu-use.js";

export interface WakeupPriceAtRate {
	/** Requests a second sent to the bare server. */
	rate: number;
	/** The server's CPU per request, ms (from /proc: 0 elsewhere). */
	serverMs: number;
	/** The sending process's CPU per request, ms. */
	clientMs: number;
}

export interface WakeupPrice {
	rates: WakeupPriceAtRate[];
	/** Each rate's server CPU per request against the highest rate's (the price of work shared by a wake-up). */
	timesCheapest: number[];
}

/** CPU time of a process so far, in ms (from /proc: Linux only). */
const cpuMsOf = (pid: number) => (ticksOf(pid) * 1000) / TICKS_PER_SECOND;

const SERVER = `require("node:http").createServer((req, res) => { res.setHeader("content-type", "application/json"); res.end('{"ok":true}'); })
	.listen(0, "127.0.0.1", function () { process.stdout.write(String(this.address().port) + "\\n"); });`;

/** Sends a bare HTTP server each of `rates` (ascending) for `secondsPerRate`, after a closed-loop warm-up for its JIT. */
export async function measureWakeupPrice(opts: { rates: number[]; secondsPerRate: number; warmupMs: number; onStep?: (text: string) => void; onTick?: (text: string) => void }): Promise<WakeupPrice> {
	const server = spawn(process.execPath, ["-e", SERVER], { stdio: ["ignore", "pipe", "inherit"] });
	try {
		const port = await new Promise<string>((resolve, reject) => {
			server.stdout.once("data", data => resolve(String(data).trim()));
			server.once("exit", code => reject(new Error(`the bare HTTP server exited (${code})`)));
		});
		const get = httpGetter(`http://127.0.0.1:${port}`, 64);
		opts.onStep?.(`warming the bare server up (JIT) for ${opts.warmupMs / 1000} s`);
		await closedLoop(32, opts.warmupMs, () => get("/"), n => opts.onTick?.(`warm-up: ${n} requests`));

		const rates: WakeupPriceAtRate[] = [];
		for (const rate of opts.rates) {
			opts.onStep?.(`${rate} requests/s for ${opts.secondsPerRate} s`);
			const serverBefore = cpuMsOf(server.pid!);
			const clientBefore = process.cpuUsage();
			const load = await openLoop(rate, opts.secondsPerRate * 1000, () => get("/"));
			const client = process.cpuUsage(clientBefore);
			const requests = Math.max(1, load.ok + load.errors);
			rates.push({ rate, serverMs: (cpuMsOf(server.pid!) - serverBefore) / requests, clientMs: (client.user + client.system) / 1000 / requests });
		}
		const cheapest = rates[rates.length - 1]?.serverMs ?? 0;
		return { rates, timesCheapest: rates.map(r => (cheapest > 0 ? r.serverMs / cheapest : Number.NaN)) };
	} finally {
		server.kill();
	}
}
