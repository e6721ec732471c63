import { randomUUID } from "node:crypto";
import { describe, expect, it } from "@jest/globals";
import { toErrorResponse } from "../../infra/http/error-response.js";
import { resolveUserId } from "../../infra/http/identity.js";
import { signHs256, verifyHs256 } from "../../infra/http/jwt.js";

describe("identity", () => {
	const id = randomUUID();
	it("takes a UUID from X-User-Id, lower-cased", () => {
		expect(resolveUserId({ userIdHeader: id.toUpperCase() }, undefined)).toBe(id);
	});
	it("refuses a missing (401) or malformed (400) X-User-Id, naming the header", () => {
		expect(() => resolveUserId({}, undefined)).toThrow(expect.objectContaining({ code: 401, data: [expect.objectContaining({ field: "X-User-Id" })] }));
		expect(() => resolveUserId({ userIdHeader: "bob" }, undefined)).toThrow(expect.objectContaining({ code: 400 }));
	});
	it("requires a valid bearer token when a secret is set, and ignores X-User-Id then", () => {
		const secret = "s3cret";
		const token = signHs256({ sub: id, exp: Math.floor(Date.now() / 1000) + 60 }, secret);
		expect(resolveUserId({ authorization: `Bearer ${token}` }, secret)).toBe(id);
		expect(() => resolveUserId({ userIdHeader: id }, secret)).toThrow(expect.objectContaining({ code: 401 }));
		expect(() => resolveUserId({ authorization: `Bearer ${signHs256({ sub: id }, "other")}` }, secret)).toThrow(/bad signature/);
		expect(() => resolveUserId({ authorization: `Bearer ${signHs256({ sub: id, exp: 1 }, secret)}` }, secret)).toThrow(/expired/);
		expect(() => resolveUserId({ authorization: `Bearer ${signHs256({ sub: "root" }, secret)}` }, secret)).toThrow(/sub/);
	});
	it("refuses alg none", () => {
		const header = Buffer.from(JSON.stringify({ alg: "none" })).toString("base64url");
		const payload = Buffer.from(JSON.stringify({ sub: id })).toString("base64url");
		expect(verifyHs256(`${header}.${payload}.`, "s")).toEqual({ ok: false, reason: "unsupported algorithm" });
	});
});

describe("error responses", () => {
	it("turns validator errors into 400 naming each field, forbidden keys included", () => {
		const body = toErrorResponse({
			name: "ValidationError",
			code: 422,
			type: "VALIDATION_ERROR",
			data: [
				{ type: "numberMin", field: "amount", message: "too small", actual: -1 },
				{ type: "objectStrict", message: "forbidden", actual: "coupon, extra" },
			],
		});
		expect(body.code).toBe(400);
		expect(body.data.map(d => d.field)).toEqual(["amount", "coupon", "extra"]);
	});
	it("hides everything about an unexpected error", () => {
		const body = toErrorResponse(Object.assign(new Error('relation "accounts" does not exist'), { code: "42P01" }));
		expect(body).toEqual({ name: "InternalServerError", message: "Internal server error.", code: 500, type: "INTERNAL_ERROR", data: [] });
	});
	it("maps a timeout to 503 with a reason", () => {
		expect(toErrorResponse({ name: "RequestTimeoutError", code: 504 })).toMatchObject({ code: 503, type: "SERVICE_UNAVAILABLE" });
	});
	it("maps body errors to 400 and 413", () => {
		expect(toErrorResponse({ type: "entity.parse.failed", status: 400 })).toMatchObject({ code: 400, type: "INVALID_JSON" });
		expect(toErrorResponse({ type: "entity.too.large", status: 413 })).toMatchObject({ code: 413, type: "PAYLOAD_TOO_LARGE" });
	});
});

describe("error responses for a service that is down", () => {
	it.each(["ServiceNotAvailableError", "ServiceNotFoundError"])("maps %s to 503", name => {
		expect(toErrorResponse({ name, code: 404, message: "Service 'orders.create' is not available." })).toMatchObject({
			code: 503,
			type: "SERVICE_UNAVAILABLE",
		});
	});
});

describe("database outage errors", () => {
	it.each([
		"Client has encountered a connection error and is not queryable",
		"Connection terminated unexpectedly",
		"terminating connection due to administrator command",
		"connect ECONNREFUSED 127.0.0.1:5432",
	])("recognises %p as the database being down", async message => {
		const { isConnectionError } = await import("../../infra/db/connection-errors.js");
		expect(isConnectionError(new Error(message))).toBe(true);
		expect(isConnectionError(new Error("duplicate key value violates unique constraint"))).toBe(false);
	});
});

describe("a statement's outcome after an error", () => {
	const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });
	it.each([
		["a unique key the server refused", withCode("duplicate key value violates unique constraint", "23505"), true],
		["a serialization failure", withCode("accounts changed concurrently", "40001"), true],
		["a statement timeout", withCode("canceling statement due to statement timeout", "57014"), true],
		["a client-side query timeout (the statement may still commit)", new Error("Query read timeout"), false],
		["a connection lost mid-statement", withCode("Connection terminated unexpectedly", "ECONNRESET"), false],
		["an administrator's shutdown", withCode("terminating connection due to administrator command", "57P01"), false],
		["a connection failure class", withCode("connection failure", "08006"), false],
	])("%s: known to have written nothing: %p", async (_what, err, wroteNothing) => {
		const { refusedByServer } = await import("../../infra/db/connection-errors.js");
		expect(refusedByServer(err)).toBe(wroteNothing);
	});
});
