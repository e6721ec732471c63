/**
 * `npm run bench:wakeups`: what one wake-up of a Node process costs on this machine, by request
 * rate (bench/limits/wakeup-price.ts). `WAKEUP_RATES=100,300,600,1200,3000,6000` (ascending; the
 * last is the reference), `WAKEUP_SECONDS=5` per rate. `npm run bench` measures two of these
 * rates in every run, beside its other limits.
 */
import { measureWakeupPrice } from "./limits/wakeup-price.js";
import { progress, step } from "./progress.js";

const rates = (process.env.WAKEUP_RATES ?? "100,300,600,1200,3000,6000").split(",").map(Number);
if (rates.some(rate => !(rate > 0))) throw new Error(`WAKEUP_RATES must list positive numbers, got "${process.env.WAKEUP_RATES}"`);
const price = await measureWakeupPrice({ rates, secondsPerRate: Number(process.env.WAKEUP_SECONDS ?? 5), warmupMs: 5000, onStep: step, onTick: progress });

const lines = [
	"| requests/s | server CPU ms per request | × its cost at the highest rate | client CPU ms per request |",
	"| ---: | ---: | ---: | ---: |",
	...price.rates.map((r, i) => `| ${r.rate.toLocaleString("en-US")} | ${r.serverMs.toFixed(3)} | ${price.timesCheapest[i].toFixed(1)} | ${r.clientMs.toFixed(3)} |`),
];
process.stdout.write(`\n${lines.join("\n")}\n`);
