/**
 * Keeps `npm run bench:rates` working: the benchmark's topology at a low rate and at saturation
 * for a moment each, one table row per rate. The figures of so short a run are not checked.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "@jest/globals";

const run = promisify(execFile);

describe("npm run bench:rates", () => {
	it("drives the topology at each rate and prints where the CPU went", async () => {
		const { stdout } = await run(process.execPath, ["--import", "tsx", "bench/at-rates.ts"], {
			env: { ...process.env, RATES: "50,saturation", RATE_SECONDS: "2" },
			maxBuffer: 16 * 1024 * 1024,
			timeout: 300_000,
		});
		const rows = stdout.split("\n").filter(line => /^\| (\d+|saturation) \|/.test(line));
		expect(rows.map(row => row.split("|")[1].trim())).toEqual(["50", "saturation"]);
		for (const row of rows) {
			const cells = row.split("|").map(cell => cell.trim());
			expect(Number(cells[2])).toBeGreaterThan(0);
			expect(cells[6]).toMatch(/orders-1 \d+\.\d\d/);
		}
		expect(rows[0].split("|")[3].trim()).toMatch(/^\d+\.\d ms$/);
	}, 330_000);
});
