/**
 * Jest setup for the "embedded" project: the contract suites run against the one-process
 * default — PGlite in a fresh folder, no transporter, the in-process event bus — exactly what
 * `npm start` runs with nothing installed.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

for (const name of ["ORDERS_DB_URL", "PAYMENTS_DB_URL", "TRANSPORTER", "KAFKA_BROKERS"]) delete process.env[name];
process.env.GOZON_TEST_MODE = "embedded";
process.env.DATA_DIR ??= mkdtempSync(path.join(tmpdir(), "gozon-embedded-"));
