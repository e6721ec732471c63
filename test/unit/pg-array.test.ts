/**
 * pgArray writes the arrays the hot path's prepared statements take (infra/db/run-statement.ts):
 * whatever a value holds, PostgreSQL must read back exactly that value. Pure logic; the
 * round trip through PostgreSQL itself is attacked in test/integration/run-statement.test.ts.
 */
import { describe, expect, it } from "@jest/globals";
import { pgArray } from "../../infra/db/run-statement.js";

describe("pgArray", () => {
	it("quotes every element and writes a null as NULL", () => {
		expect(pgArray(["a", null, undefined, ""])).toBe('{"a",NULL,NULL,""}');
		expect(pgArray([])).toBe("{}");
	});

	it("escapes the quotes and backslashes of text, JSON included, and nothing else", () => {
		expect(pgArray(['say "hi"', "C:\\temp", "{a,b}", "NULL"])).toBe('{"say \\"hi\\"","C:\\\\temp","{a,b}","NULL"}');
		const json = JSON.stringify({ note: 'a "quoted" \\ back-slashed, {braced} text', n: 1 });
		expect(pgArray([json])).toBe(`{"${json.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"}`);
	});

	it("writes numbers, booleans and dates as PostgreSQL reads them", () => {
		expect(pgArray([0, -12, 9007199254740991, true])).toBe('{"0","-12","9007199254740991","true"}');
		expect(pgArray([new Date("2026-11-22T10:00:00.123Z")])).toBe('{"2026-11-22T10:00:00.123Z"}');
	});
});
