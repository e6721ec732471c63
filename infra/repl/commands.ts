/** Gozon's custom commands for the Moleculer REPL (`npm run repl`), next to its built-in ones. */
import type { BrokerOptions, ServiceBroker } from "moleculer";
import { runAudit } from "./audit-command.js";
import { printDeadLetters, printInbox, printOutbox } from "./delivery-commands.js";

type CustomCommand = NonNullable<NonNullable<BrokerOptions["replOptions"]>["customCommands"]>[number];

const print = (text: string) => console.log(text);

/** A failing command reports and leaves the REPL open, instead of the REPL logging a stack. */
function guarded(run: (broker: ServiceBroker, args: { options?: Record<string, unknown> }) => Promise<unknown>): CustomCommand["action"] {
	return async (broker, args) => {
		try {
			await run(broker, args as { options?: Record<string, unknown> });
		} catch (err) {
			print(`failed: ${(err as Error).message}`);
		}
	};
}

export const gozonCommands: CustomCommand[] = [
	{
		command: "outbox",
		description: "Outbox backlog and relay counters of every orders and payments instance",
		action: guarded(broker => printOutbox(broker, print)),
	},
	{
		command: "inbox",
		description: "Inbox counters (applied, duplicates skipped, dead-lettered, conflict retries) per instance",
		action: guarded(broker => printInbox(broker, print)),
	},
	{
		command: "dlq",
		description: "Dead-lettered messages per instance, and per DLQ topic when KAFKA_BROKERS is set",
		action: guarded(broker => printDeadLetters(broker, print)),
	},
	{
		command: "audit",
		description: "Checks the guarantees across both databases (npm run audit)",
		options: [{ option: "--json", description: "the report as JSON" }],
		action: guarded((broker, args) => runAudit(broker, print, Boolean(args.options?.json))),
	},
];
