/**
 * Keeps `npm run bench:wakeups` working: a bare HTTP server driven at two rates for a moment,
 * one table row per rate with a CPU cost per request. The figures of so short a run are not
 * compared with each other; the rates are high enough that a second of each costs the server
 * several of the kernel's 10 ms CPU ticks.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "@jest/globals";

const run = promisify(execFile);

describe("npm run bench:wakeups", () => {
	it("drives a bare server at each rate and prints the cost per request", async () => {
		const { stdout } = await run(process.execPath, ["--import", "tsx", "bench/platform-wakeups.ts"], {
			env: { ...process.env, WAKEUP_RATES: "200,800", WAKEUP_SECONDS: "1" },
			timeout: 60_000,
		});
		const rows = stdout.split("\n").filter(line => /^\| [\d,]+ \|/.test(line));
		expect(rows.map(row => row.split("|")[1].trim())).toEqual(["200", "800"]);
		for (const row of rows) {
			const [serverMs, times, clientMs] = row.split("|").slice(2, 5).map(cell => Number(cell.trim()));
			expect(serverMs).toBeGreaterThan(0);
			expect(times).toBeGreaterThan(0);
			expect(clientMs).toBeGreaterThan(0);
		}
		// The last rate is the reference its own row compares with.
		expect(rows[1].split("|")[3].trim()).toBe("1.0");
	}, 90_000);
});
