/**
 * The REPL's `audit`: runs `npm run audit` (scripts/audit.ts) as a child process, so the REPL
 * and the command line give the same report and exit status. The audit reads both databases
 * itself (ORDERS_DB_URL, PAYMENTS_DB_URL, and KAFKA_BROKERS for the DLQ counts); a REPL started
 * without them shows the instances' own figures instead.
 */
import { spawn } from "node:child_process";
import type { ServiceBroker } from "moleculer";
import { PROJECT_ROOT } from "../local/daemon.js";
import { printInbox, printOutbox, type Print } from "./delivery-commands.js";

function runAuditScript(args: string[], print: Print): Promise<number | null> {
	return new Promise((resolve, reject) => {
		// KafkaJS's harmless negative-timer warning (see infra/local/kafka.ts) would end up in the report.
		const child = spawn(process.execPath, ["--disable-warning=TimeoutNegativeWarning", "--import", "tsx", "scripts/audit.ts", ...args], {
			cwd: PROJECT_ROOT,
			env: process.env,
			stdio: ["ignore", "pipe", "pipe"],
		});
		let output = "";
		child.stdout.on("data", chunk => (output += chunk));
		child.stderr.on("data", chunk => (output += chunk));
		child.on("error", reject);
		child.on("exit", code => {
			print(output.trimEnd());
			resolve(code);
		});
	});
}

export async function runAudit(broker: ServiceBroker, print: Print, json: boolean): Promise<void> {
	if (!process.env.ORDERS_DB_URL || !process.env.PAYMENTS_DB_URL) {
		print("The audit reads both databases: start the REPL with ORDERS_DB_URL and PAYMENTS_DB_URL set (eval \"$(npm run -s infra)\").");
		print("Meanwhile, what the instances report:");
		await printOutbox(broker, print);
		await printInbox(broker, print);
		return;
	}
	const code = await runAuditScript(json ? ["--json"] : [], print);
	print(code === 0 ? "audit: passed (exit status 0)" : `audit: exit status ${code}`);
}
