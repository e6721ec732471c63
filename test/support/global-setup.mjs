/**
 * Brings up (or reuses) PostgreSQL, NATS and a Kafka broker through `npm run infra`, and points
 * the test processes at them. Each run gets freshly created databases of its own, so what
 * earlier runs (or a running stack) left behind never counts in this run's checks. Jest starts
 * its workers after this, so they inherit the environment.
 *
 * Plain JavaScript: Jest loads this file with Node's own resolver, before any TypeScript
 * transform applies, so the TypeScript infrastructure code runs in a child process instead.
 */
import { execFileSync } from "node:child_process";
import pg from "pg";

const TEST_DATABASES = { ORDERS_DB_URL: "gozon_test_orders", PAYMENTS_DB_URL: "gozon_test_payments" };

function parseExports(text) {
	const env = {};
	for (const line of text.split("\n")) {
		const match = /^export (\w+)=(.*)$/.exec(line.trim());
		if (match) env[match[1]] = match[2].replace(/^'(.*)'$/, "$1").replaceAll(`'\\''`, "'");
	}
	return env;
}

export default async function globalSetup() {
	const output = execFileSync(process.execPath, ["--import", "tsx", "scripts/infra.ts"], {
		stdio: ["ignore", "pipe", "inherit"],
		encoding: "utf8",
	});
	const env = parseExports(output);
	for (const name of ["ORDERS_DB_URL", "PAYMENTS_DB_URL", "TRANSPORTER", "KAFKA_BROKERS"]) {
		if (!env[name]) throw new Error(`npm run infra did not export ${name}`);
	}
	const admin = new pg.Client({ connectionString: env.ORDERS_DB_URL });
	await admin.connect();
	try {
		for (const [variable, name] of Object.entries(TEST_DATABASES)) {
			await admin.query(`drop database if exists ${name} with (force)`);
			await admin.query(`create database ${name}`);
			env[variable] = env.ORDERS_DB_URL.replace(/\/[^/?]+(\?|$)/, `/${name}$1`);
		}
	} finally {
		await admin.end();
	}
	Object.assign(process.env, env);
	process.env.LOG_LEVEL ??= "warn";
}
