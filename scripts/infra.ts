/**
 * `npm run infra`: brings up PostgreSQL (both databases), NATS and Kafka on 127.0.0.1 and prints
 * the environment that points at them, so that `eval "$(npm run -s infra)"` configures a shell.
 * Progress goes to stderr, only the export lines to stdout.
 *
 * `npm run infra -- stop` stops what this project started (Kafka, and NATS if it was ours).
 */
import { ensureInfra, stopInfra } from "../infra/local/index.js";

/** Leaves shell-safe values bare and single-quotes the rest. */
function shellQuote(value: string): string {
	return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`;
}

async function main(command: string): Promise<number> {
	switch (command) {
		case "up": {
			const env = await ensureInfra();
			for (const [key, value] of Object.entries(env)) process.stdout.write(`export ${key}=${shellQuote(value)}\n`);
			return 0;
		}
		case "stop": {
			const stopped = await stopInfra();
			if (!stopped.kafka && !stopped.nats) process.stderr.write("infra: nothing started by this project is running\n");
			return 0;
		}
		default:
			process.stderr.write("usage: npm run infra [-- up|stop]\n");
			return 2;
	}
}

try {
	process.exitCode = await main(process.argv[2] ?? "up");
} catch (err) {
	process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
	process.exitCode = 1;
}
