/**
 * Brings up (or reuses) PostgreSQL with both databases, NATS and a Kafka broker, and points the
 * test processes at them. Jest starts its workers after this, so they inherit the environment.
 */
import { ensureInfra } from "../../infra/local/index.js";

export default async function globalSetup(): Promise<void> {
	const env = await ensureInfra();
	Object.assign(process.env, env);
	process.env.LOG_LEVEL ??= "warn";
}
