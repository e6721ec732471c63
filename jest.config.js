/**
 * One Jest run for every test: unit tests of pure logic, and integration tests against real
 * PostgreSQL, NATS and Kafka (started, if missing, by test/support/global-setup.ts).
 */
export default {
	testEnvironment: "node",
	extensionsToTreatAsEsm: [".ts"],
	moduleNameMapper: { "^(\\.{1,2}/.*)\\.js$": "$1" },
	transform: {
		"^.+\\.ts$": ["ts-jest", { useESM: true, tsconfig: "tsconfig.json", diagnostics: false }],
	},
	testMatch: ["<rootDir>/test/**/*.test.ts"],
	globalSetup: "<rootDir>/test/support/global-setup.ts",
	testTimeout: 120_000,
	// The integration suites share one broker, NATS server and pair of databases; running them
	// one after another keeps their timings honest on a small machine.
	maxWorkers: 1,
	verbose: true,
};
