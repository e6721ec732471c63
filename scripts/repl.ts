/**
 * `npm run repl`: a Moleculer REPL node that joins the running mesh (TRANSPORTER and NAMESPACE
 * from the environment, as the services use them) and runs no service of its own. Besides the
 * REPL's own commands (nodes, services, actions, call, emit, metrics, ...) it has Gozon's:
 * outbox, inbox, dlq and audit (infra/repl/commands.ts).
 */
import { hostname } from "node:os";
import { ServiceBroker, type LogLevels } from "moleculer";
import brokerConfig from "../moleculer.config.js";
import { config } from "../infra/config.js";
import { gozonCommands } from "../infra/repl/commands.js";

if (!config.transporter) {
	console.error('TRANSPORTER is not set: the REPL joins a running mesh over NATS. Try: eval "$(npm run -s infra)" && npm run repl');
	process.exit(2);
}

const broker = new ServiceBroker({
	...brokerConfig,
	nodeID: process.env.NODE_ID || `repl-${hostname()}-${process.pid}`,
	// The console is for the operator: only warnings unless LOG_LEVEL asks for more.
	logLevel: (process.env.LOG_LEVEL || "warn") as LogLevels,
	// A REPL node is no part of what is measured, and must not take a gateway's metrics port.
	metrics: { enabled: false },
	replOptions: { delimiter: "gozon $", customCommands: gozonCommands },
});

await broker.start();
try {
	await broker.waitForServices(["orders", "payments"], 5000);
} catch {
	console.log("orders or payments is not on the mesh (yet); `nodes` and `services` show what is.");
}
console.log(`Joined namespace "${broker.namespace}" over ${config.transporter} as ${broker.nodeID}. Gozon commands: outbox, inbox, dlq, audit; \`help\` lists all.`);
broker.repl();
