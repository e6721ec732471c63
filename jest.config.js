/**
 * `npm test` runs every suite in one Jest run:
 *   unit      pure logic, no I/O;
 *   full      contract and integration suites against real PostgreSQL, NATS and Kafka
 *             (started, if missing, by test/support/global-setup.ts), and the browser test;
 *   embedded  the same contract suites against the one-process default (PGlite, in-process bus).
 */
const base = {
	testEnvironment: "node",
	extensionsToTreatAsEsm: [".ts"],
	moduleNameMapper: { "^(\\.{1,2}/.*)\\.js$": "$1" },
	transform: {
		"^.+\\.ts$": ["ts-jest", { useESM: true, tsconfig: "tsconfig.json", diagnostics: false }],
	},
};

export default {
	projects: [
		{ ...base, displayName: "unit", testMatch: ["<rootDir>/test/unit/**/*.test.ts"] },
		{
			...base,
			displayName: "full",
			testMatch: ["<rootDir>/test/contract/**/*.test.ts", "<rootDir>/test/integration/**/*.test.ts", "<rootDir>/test/reliability/**/*.test.ts", "<rootDir>/test/ops/**/*.test.ts", "<rootDir>/test/modes/**/*.test.ts", "<rootDir>/test/bench/**/*.test.ts", "<rootDir>/test/e2e/**/*.test.ts"],
			globalSetup: "<rootDir>/test/support/global-setup.mjs",
		},
		{
			...base,
			displayName: "embedded",
			testMatch: ["<rootDir>/test/contract/**/*.test.ts", "<rootDir>/test/embedded/**/*.test.ts"],
			setupFiles: ["<rootDir>/test/support/embedded-mode.ts"],
		},
	],
	testTimeout: 180_000,
	// The integration suites share one broker, NATS server and pair of databases; running them
	// one after another keeps their timings honest on a small machine.
	maxWorkers: 1,
	verbose: true,
	// kafkajs keeps reconnect timers alive after disconnect(); without this a finished run could
	// hang instead of exiting.
	forceExit: true,
};
