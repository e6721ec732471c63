/**
 * The GraphQL pieces that need no server: the Money scalar, the hub that fans order updates out to
 * subscribers, error codes, and content negotiation for the playground.
 */
import { describe, expect, it } from "@jest/globals";
import { execute, parse, type GraphQLError } from "graphql";
import { formatErrors, rootCause } from "../../infra/graphql/errors.js";
import { coerceMoneyLiteral, coerceMoneyValue, serializeMoney } from "../../infra/graphql/money-scalar.js";
import { OrderUpdateHub, SlowSubscriberError, isOrderUpdate, type OrderUpdate } from "../../infra/graphql/order-updates.js";
import { prepare } from "../../infra/graphql/pipeline.js";
import { wantsHtml } from "../../infra/graphql/playground.js";
import { buildGozonSchema, type GozonGraphQLContext } from "../../infra/graphql/schema.js";

const USER = "5f0c7a3e-2b1d-4c8e-9a7f-3d2e1b0c9a8f";
const OTHER = "9b2d4f6a-8c1e-4a3b-b5d7-1e9f0a2c4b6d";

function update(id: string, userId = USER, status = "FINISHED"): OrderUpdate {
	return { id, userId, amount: 1, description: "d", status, reason: null, createdAt: "", updatedAt: "" } as OrderUpdate;
}

const literal = (text: string) => {
	const doc = parse(`{ f(a: ${text}) }`);
	const op = doc.definitions[0] as unknown as { selectionSet: { selections: { arguments: { value: unknown }[] }[] } };
	return op.selectionSet.selections[0].arguments[0].value as Parameters<typeof coerceMoneyLiteral>[0];
};

describe("Money", () => {
	it("takes integers from 1 to 10^12, as variables and as literals", () => {
		expect(coerceMoneyValue(1)).toBe(1);
		expect(coerceMoneyValue(1_000_000_000_000)).toBe(1_000_000_000_000);
		expect(coerceMoneyLiteral(literal("1000000000000"))).toBe(1_000_000_000_000);
	});

	it.each([[0], [-1], [1.5], [1_000_000_000_001], [Number.NaN], [Number.POSITIVE_INFINITY], ["5"], [null], [true], [{}], [[1]]])(
		"refuses the value %p with BAD_USER_INPUT",
		value => {
			expect(() => coerceMoneyValue(value)).toThrow(/^Money must be an integer number of minor units from 1 to 1000000000000; got /);
			try {
				coerceMoneyValue(value);
			} catch (err) {
				expect((err as GraphQLError).extensions).toEqual({ code: "BAD_USER_INPUT", type: "INVALID_MONEY" });
			}
		},
	);

	it.each(["0", "-3", "2.5", "1e3", '"100"', "1000000000001", "99999999999999999999999999999", "true", "RUB", "[1]", "{a: 1}"])(
		"refuses the literal %s",
		text => {
			expect(() => coerceMoneyLiteral(literal(text))).toThrow(/^Money must be /);
		},
	);

	it("reports balances of any safe size, and nothing else", () => {
		expect(serializeMoney(0)).toBe(0);
		expect(serializeMoney(Number.MAX_SAFE_INTEGER)).toBe(Number.MAX_SAFE_INTEGER);
		expect(serializeMoney("42")).toBe(42);
		expect(() => serializeMoney(-1)).toThrow();
		expect(() => serializeMoney(1.5)).toThrow();
	});
});

describe("OrderUpdateHub", () => {
	it("delivers an update to its user's subscribers only, in order", async () => {
		const hub = new OrderUpdateHub();
		const mine = hub.subscribe(USER);
		const theirs = hub.subscribe(OTHER);
		expect(hub.publish(update("a"))).toBe(1);
		expect(hub.publish(update("b", USER.toUpperCase()))).toBe(1);
		expect((await mine.next()).value?.id).toBe("a");
		expect((await mine.next()).value?.id).toBe("b");
		let theirsGot = false;
		void theirs.next().then(() => (theirsGot = true));
		await new Promise(resolve => setTimeout(resolve, 10));
		expect(theirsGot).toBe(false);
		await theirs.return!();
		await mine.return!();
		expect(hub.size).toBe(0);
	});

	it("filters by order id", async () => {
		const hub = new OrderUpdateHub();
		const one = hub.subscribe(USER, "b");
		hub.publish(update("a"));
		hub.publish(update("b"));
		expect((await one.next()).value?.id).toBe("b");
	});

	it("wakes a waiting consumer, and ends it on return", async () => {
		const hub = new OrderUpdateHub();
		const sub = hub.subscribe(USER);
		const pending = sub.next();
		hub.publish(update("a"));
		expect((await pending).value?.id).toBe("a");
		const waiting = sub.next();
		await sub.return!();
		expect(await waiting).toEqual({ value: undefined, done: true });
		expect(hub.publish(update("b"))).toBe(0);
	});

	it("ends a subscriber that falls too far behind, after what it already has", async () => {
		const hub = new OrderUpdateHub();
		const slow = hub.subscribe(USER);
		for (let i = 0; i < 1001; i++) hub.publish(update(String(i)));
		expect(hub.size).toBe(0);
		for (let i = 0; i < 1000; i++) expect((await slow.next()).value?.id).toBe(String(i));
		await expect(slow.next()).rejects.toBeInstanceOf(SlowSubscriberError);
	});

	it("recognises the mesh event's payload", () => {
		expect(isOrderUpdate(update("a"))).toBe(true);
		expect(isOrderUpdate({ id: "a", status: "FINISHED" })).toBe(false);
		expect(isOrderUpdate({ id: "a", userId: "nope", status: "FINISHED" })).toBe(false);
		expect(isOrderUpdate(null)).toBe(false);
	});
});

describe("errors and requests", () => {
	const schema = buildGozonSchema();
	const context: GozonGraphQLContext = {
		userId: () => USER,
		call: async () => {
			throw new Error("boom: SELECT * FROM secrets");
		},
		orderUpdates: new OrderUpdateHub(),
	};

	it("gives parse and validation errors their codes", () => {
		const syntax = prepare(schema, { query: "{" }, context);
		expect(syntax).toMatchObject({ ok: false, errors: [{ extensions: { code: "GRAPHQL_PARSE_FAILED" } }] });
		const unknown = prepare(schema, { query: "{ nope }" }, context);
		expect(unknown).toMatchObject({ ok: false, errors: [{ extensions: { code: "GRAPHQL_VALIDATION_FAILED" } }] });
		const literalMoney = prepare(schema, { query: "mutation { deposit(amount: 0.5) { balance } }" }, context);
		expect(literalMoney).toMatchObject({
			ok: false,
			errors: [{ message: expect.stringMatching(/^Money must be/), locations: [{ line: 1, column: 28 }], extensions: { code: "BAD_USER_INPUT", fields: [{ field: "amount" }] } }],
		});
	});

	it("refuses requests that are not GraphQL requests", () => {
		expect(prepare(schema, {}, context)).toMatchObject({ ok: false, requestError: true });
		expect(prepare(schema, { query: "{ balance }", variables: "[" }, context)).toMatchObject({ ok: false, requestError: true });
		expect(prepare(schema, { query: "{ balance }", variables: [1] }, context)).toMatchObject({ ok: false, requestError: true });
		expect(prepare(schema, { query: "query A { balance } query B { balance }" }, context)).toMatchObject({ ok: false, requestError: true });
		expect(prepare(schema, { query: "query A { balance }", operationName: "B" }, context)).toMatchObject({ ok: false, requestError: true });
	});

	it("caps the top-level fields of a document", () => {
		const fields = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `f${i}: balance`).join(" ")} }`;
		expect(prepare(schema, { query: fields(25) }, context)).toMatchObject({ ok: true });
		expect(prepare(schema, { query: fields(26) }, context)).toMatchObject({ ok: false, errors: [{ extensions: { code: "GRAPHQL_VALIDATION_FAILED" } }] });
	});

	it("masks unplanned failures as INTERNAL_SERVER_ERROR and reports them for the log", async () => {
		const prepared = prepare(schema, { query: "{ balance }" }, context);
		if (!prepared.ok) throw new Error("expected a runnable document");
		const result = await execute(prepared.args);
		const logged: GraphQLError[] = [];
		const formatted = formatErrors(result.errors!, { phase: "execute", document: prepared.document, onInternalError: e => logged.push(e) });
		expect(formatted[0].extensions).toMatchObject({ code: "INTERNAL_SERVER_ERROR" });
		expect(formatted[0].message).toBe("Internal server error.");
		expect(JSON.stringify(formatted)).not.toContain("secrets");
		expect(logged).toHaveLength(1);
		expect(rootCause(logged[0]).message).toContain("secrets");
	});
});

describe("the playground's content negotiation", () => {
	it("serves the page to browsers only", () => {
		expect(wantsHtml("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")).toBe(true);
		expect(wantsHtml("application/json")).toBe(false);
		expect(wantsHtml("application/graphql-response+json, application/json")).toBe(false);
		expect(wantsHtml("application/json, text/html")).toBe(false);
		expect(wantsHtml(undefined)).toBe(false);
		expect(wantsHtml("*/*")).toBe(false);
	});
});
