/**
 * GraphQL over HTTP on the full topology (gateway → NATS → orders/payments → Kafka): queries,
 * mutations, the Money scalar, and errors with extensions.code — the same rules as REST, since
 * the resolvers call the same actions.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { config } from "../../infra/config.js";
import { signHs256 } from "../../infra/http/jwt.js";
import { graphqlPost, graphqlUser } from "../support/graphql-client.js";
import { userClient } from "../support/http-client.js";
import { startMesh, type Mesh } from "../support/mesh.js";
import { waitFor } from "../support/wait-for.js";

let mesh: Mesh;
const base = () => mesh.gatewayUrls[0];
const newUser = () => graphqlUser(base(), randomUUID());

const ORDER_FIELDS = "id userId amount description status reason createdAt updatedAt";

beforeAll(async () => {
	mesh = await startMesh();
});
afterAll(async () => {
	await mesh?.stop();
});

/** The single error of a response, checked to have a code. */
function onlyError(res: { body: { errors?: { message: string; extensions: Record<string, any> }[] } }) {
	expect(res.body.errors).toHaveLength(1);
	const [error] = res.body.errors!;
	expect(typeof error.extensions.code).toBe("string");
	return error;
}

describe("GraphQL queries and mutations", () => {
	it("opens an account, tops it up and places an order that settles FINISHED, as REST sees it", async () => {
		const alice = newUser();
		expect((await alice.run("{ me { userId } }")).body).toEqual({ data: { me: null } });

		const opened = await alice.run("mutation { createAccount { userId balance createdAt } }");
		expect(opened.status).toBe(200);
		expect(opened.body.data.createAccount).toEqual({ userId: alice.userId, balance: 0, createdAt: expect.any(String) });

		const deposit = await alice.run("mutation TopUp($amount: Money!) { deposit(amount: $amount) { balance } }", { amount: 1000 });
		expect(deposit.body).toEqual({ data: { deposit: { balance: 1000 } } });
		// A literal works as well as a variable.
		expect((await alice.run("mutation { deposit(amount: 500) { balance } }")).body.data.deposit.balance).toBe(1500);

		const placed = await alice.run(
			`mutation Place($amount: Money!, $description: String!) { createOrder(amount: $amount, description: $description) { ${ORDER_FIELDS} } }`,
			{ amount: 300, description: "a book" },
		);
		const order = placed.body.data.createOrder;
		expect(order).toMatchObject({ userId: alice.userId, amount: 300, description: "a book", status: "NEW", reason: null });

		const settled = await waitFor(
			() => alice.run(`query One($id: ID!) { order(id: $id) { ${ORDER_FIELDS} } }`, { id: order.id }),
			r => r.body.data?.order?.status !== "NEW",
			{ what: "the order to settle" },
		);
		expect(settled.body.data.order).toMatchObject({ id: order.id, status: "FINISHED", reason: null });
		// The same object REST returns.
		expect((await userClient(base(), alice.userId).order(order.id)).body).toEqual(settled.body.data.order);

		const overview = await alice.run(`{
			me { userId balance updatedAt }
			balance
			ledger { type amount orderId }
			orders { total page pageSize totalPages rows { id status } }
		}`);
		expect(overview.body.errors).toBeUndefined();
		expect(overview.body.data).toEqual({
			me: { userId: alice.userId, balance: 1200, updatedAt: expect.any(String) },
			balance: 1200,
			ledger: [
				{ type: "DEBIT", amount: 300, orderId: order.id },
				{ type: "CREDIT", amount: 500, orderId: null },
				{ type: "CREDIT", amount: 1000, orderId: null },
			],
			orders: { total: 1, page: 1, pageSize: 20, totalPages: 1, rows: [{ id: order.id, status: "FINISHED" }] },
		});
	});

	it("pages the user's orders newest first, and limits the ledger", async () => {
		const bob = newUser();
		await bob.run("mutation { createAccount { userId } }");
		const ids: string[] = [];
		for (let i = 0; i < 5; i++) {
			ids.push((await bob.run(`mutation { createOrder(amount: ${10 + i}, description: "order ${i}") { id } }`)).body.data.createOrder.id);
		}
		const page1 = await bob.run("{ orders(page: 1, pageSize: 2) { total page pageSize totalPages rows { id } } }");
		expect(page1.body.data.orders).toEqual({ total: 5, page: 1, pageSize: 2, totalPages: 3, rows: [{ id: ids[4] }, { id: ids[3] }] });
		const page3 = await bob.run("{ orders(page: 3, pageSize: 2) { rows { id } } }");
		expect(page3.body.data.orders.rows).toEqual([{ id: ids[0] }]);

		await bob.run("mutation { deposit(amount: 1) { balance } }");
		await bob.run("mutation { deposit(amount: 2) { balance } }");
		const ledger = await bob.run("{ ledger(limit: 1) { amount } }");
		expect(ledger.body.data.ledger).toHaveLength(1);
	});

	it("honours idempotency keys: the same key returns the first result and has no second effect", async () => {
		const carol = newUser();
		await carol.run("mutation { createAccount { userId } }");
		const key = randomUUID();
		const deposit = `mutation($key: String) { deposit(amount: 700, idempotencyKey: $key) { balance } }`;
		expect((await carol.run(deposit, { key })).body.data.deposit.balance).toBe(700);
		expect((await carol.run(deposit, { key })).body.data.deposit.balance).toBe(700);
		expect((await carol.run("{ balance }")).body.data.balance).toBe(700);

		const orderKey = randomUUID();
		const place = `mutation($key: String, $amount: Money!) { createOrder(amount: $amount, description: "once", idempotencyKey: $key) { id } }`;
		const [first, second] = await Promise.all([carol.run(place, { key: orderKey, amount: 100 }), carol.run(place, { key: orderKey, amount: 100 })]);
		expect(first.body.data.createOrder.id).toBe(second.body.data.createOrder.id);
		expect((await carol.run("{ orders { total } }")).body.data.orders.total).toBe(1);

		const reused = await carol.run(place, { key: orderKey, amount: 999 });
		const error = onlyError(reused);
		expect(error.extensions).toMatchObject({ code: "BAD_USER_INPUT", type: "IDEMPOTENCY_KEY_REUSED", status: 422 });
		expect(error.extensions.fields[0].field).toBe("Idempotency-Key");
	});

	it("introspects without identity, and describes Money", async () => {
		const res = await graphqlPost(base(), '{ __type(name: "Money") { kind name description } __schema { subscriptionType { name } } }');
		expect(res.body.errors).toBeUndefined();
		expect(res.body.data.__type).toMatchObject({ kind: "SCALAR", name: "Money" });
		expect(res.body.data.__schema.subscriptionType.name).toBe("Subscription");
	});

	it("runs queries over GET, but not mutations", async () => {
		const user = randomUUID();
		const get = await fetch(`${base()}/graphql?query=${encodeURIComponent("{ me { userId } }")}`, { headers: { "x-user-id": user } });
		expect(get.status).toBe(200);
		expect(await get.json()).toEqual({ data: { me: null } });
		const mutation = await fetch(`${base()}/graphql?query=${encodeURIComponent("mutation { createAccount { userId } }")}`, { headers: { "x-user-id": user } });
		expect(mutation.status).toBe(405);
		expect(((await mutation.json()) as any).errors[0].extensions.code).toBe("METHOD_NOT_ALLOWED");
		expect((await userClient(base(), user).account()).status).toBe(404);
	});
});

describe("GraphQL errors carry extensions.code", () => {
	it("UNAUTHENTICATED without X-User-Id, or with one that is not a UUID", async () => {
		const none = await graphqlPost(base(), "{ balance }");
		expect(none.status).toBe(200);
		expect(onlyError(none).extensions).toMatchObject({ code: "UNAUTHENTICATED", type: "NO_USER_ID", fields: [{ field: "X-User-Id" }] });
		const bad = await graphqlPost(base(), "mutation { createAccount { userId } }", undefined, { "x-user-id": "not-a-uuid" });
		expect(onlyError(bad).extensions).toMatchObject({ code: "UNAUTHENTICATED", type: "INVALID_USER_ID" });
	});

	it("NOT_FOUND for an unknown order, another user's order, and the balance of a user without account", async () => {
		const dave = newUser();
		const erin = newUser();
		await dave.run("mutation { createAccount { userId } }");
		const order = (await dave.run('mutation { createOrder(amount: 5, description: "mine") { id } }')).body.data.createOrder;

		const unknown = await dave.run(`{ order(id: "${randomUUID()}") { id } }`);
		expect(onlyError(unknown).extensions).toMatchObject({ code: "NOT_FOUND", type: "ORDER_NOT_FOUND", status: 404 });
		expect(unknown.body.data).toBeNull();

		const foreign = await erin.run(`{ order(id: "${order.id}") { id } }`);
		expect(onlyError(foreign).extensions).toMatchObject({ code: "NOT_FOUND", type: "ORDER_NOT_FOUND" });

		for (const query of ["{ balance }", "{ ledger { id } }", "mutation { deposit(amount: 10) { balance } }"]) {
			expect(onlyError(await erin.run(query)).extensions).toMatchObject({ code: "NOT_FOUND", type: "ACCOUNT_NOT_FOUND" });
		}
		// Erin's orders do not include Dave's.
		expect((await erin.run("{ orders { total } }")).body.data.orders.total).toBe(0);
	});

	it("CONFLICT when the account exists", async () => {
		const frank = newUser();
		await frank.run("mutation { createAccount { userId } }");
		expect(onlyError(await frank.run("mutation { createAccount { userId } }")).extensions).toMatchObject({ code: "CONFLICT", type: "ACCOUNT_EXISTS" });
	});

	it("BAD_USER_INPUT with the field names for the services' validation", async () => {
		const gina = newUser();
		const empty = await gina.run('mutation { createOrder(amount: 10, description: "   ") { id } }');
		expect(onlyError(empty).extensions).toMatchObject({ code: "BAD_USER_INPUT", type: "VALIDATION_ERROR", status: 400, fields: [{ field: "description" }] });

		const paging = await gina.run("{ orders(pageSize: 500) { total } }");
		expect(onlyError(paging).extensions).toMatchObject({ code: "BAD_USER_INPUT", fields: [{ field: "pageSize", message: expect.stringMatching(/100/) }] });

		const id = await gina.run('{ order(id: "nope") { id } }');
		expect(onlyError(id).extensions).toMatchObject({ code: "BAD_USER_INPUT", fields: [{ field: "id" }] });

		const key = await gina.run('mutation { createOrder(amount: 10, description: "x", idempotencyKey: "") { id } }');
		expect(onlyError(key).extensions).toMatchObject({ code: "BAD_USER_INPUT", fields: expect.arrayContaining([expect.objectContaining({ field: "idempotencyKey" })]) });
		expect((await gina.run("{ orders { total } }")).body.data.orders.total).toBe(0);
	});

	it("GRAPHQL_PARSE_FAILED and GRAPHQL_VALIDATION_FAILED for documents that cannot run", async () => {
		const user = newUser();
		const syntax = await user.run("{ me { userId ");
		expect(onlyError(syntax).extensions.code).toBe("GRAPHQL_PARSE_FAILED");
		const unknownField = await user.run("{ nope }");
		expect(onlyError(unknownField).extensions.code).toBe("GRAPHQL_VALIDATION_FAILED");
		const missing = await user.run("mutation { createOrder(amount: 1) { id } }");
		expect(onlyError(missing).extensions).toMatchObject({ code: "GRAPHQL_VALIDATION_FAILED", fields: [{ field: "description" }] });
		// With the GraphQL-over-HTTP media type, a document that cannot run is a 400.
		const strict = await fetch(`${base()}/graphql`, {
			method: "POST",
			headers: { "content-type": "application/json", accept: "application/graphql-response+json" },
			body: JSON.stringify({ query: "{ nope }" }),
		});
		expect(strict.status).toBe(400);
		expect(strict.headers.get("content-type")).toMatch(/^application\/graphql-response\+json/);
	});

	it("BAD_REQUEST for a body that is not a GraphQL request", async () => {
		const post = (body: string, type = "application/json") =>
			fetch(`${base()}/graphql`, { method: "POST", headers: { "content-type": type }, body }).then(async r => ({ status: r.status, body: await r.json() }));
		expect(await post("{not json")).toMatchObject({ status: 400, body: { errors: [{ extensions: { code: "INVALID_JSON" } }] } });
		expect(await post("{}")).toMatchObject({ status: 400, body: { errors: [{ extensions: { code: "BAD_REQUEST" } }] } });
		expect(await post('[{"query":"{ balance }"}]')).toMatchObject({ status: 400 });
		expect(await post("query=x", "text/plain")).toMatchObject({ status: 415 });
		expect(await post(JSON.stringify({ query: `{ ${"a: balance ".repeat(6000)} }` }))).toMatchObject({ status: 413 });
		const tooMany = await graphqlPost(base(), `{ ${Array.from({ length: 30 }, (_, i) => `b${i}: __typename`).join(" ")} ${Array.from({ length: 26 }, (_, i) => `m${i}: me { userId }`).join(" ")} }`, undefined, { "x-user-id": randomUUID() });
		expect(onlyError(tooMany).extensions.code).toBe("GRAPHQL_VALIDATION_FAILED");
	});

	it("OPERATION_NOT_SUPPORTED for a subscription over HTTP", async () => {
		const res = await graphqlPost(base(), "subscription { orderUpdated { id } }", undefined, { "x-user-id": randomUUID() });
		expect(res.status).toBe(400);
		expect(onlyError(res).extensions.code).toBe("OPERATION_NOT_SUPPORTED");
	});

	it("requires a bearer token instead of X-User-Id when a JWT secret is configured", async () => {
		const saved = config.jwtSecret;
		config.jwtSecret = "graphql-test-secret";
		try {
			const userId = randomUUID();
			const bare = await graphqlPost(base(), "{ me { userId } }", undefined, { "x-user-id": userId });
			expect(onlyError(bare).extensions).toMatchObject({ code: "UNAUTHENTICATED", type: "NO_TOKEN" });
			const forged = signHs256({ sub: userId }, "another-secret");
			const wrong = await graphqlPost(base(), "{ me { userId } }", undefined, { authorization: `Bearer ${forged}` });
			expect(onlyError(wrong).extensions).toMatchObject({ code: "UNAUTHENTICATED", type: "INVALID_TOKEN" });
			const token = signHs256({ sub: userId, exp: Math.floor(Date.now() / 1000) + 60 }, config.jwtSecret);
			const opened = await graphqlPost(base(), "mutation { createAccount { userId } }", undefined, { authorization: `Bearer ${token}` });
			expect(opened.body).toEqual({ data: { createAccount: { userId } } });
		} finally {
			config.jwtSecret = saved;
		}
	});
});

describe("the Money scalar", () => {
	const DEPOSIT_VAR = "mutation($amount: Money!) { deposit(amount: $amount) { balance } }";

	it("refuses fractions, strings, zero, negatives and out-of-range values, as variables and as literals, changing nothing", async () => {
		const henry = newUser();
		await henry.run("mutation { createAccount { userId } }");
		await henry.run("mutation { deposit(amount: 100) { balance } }");

		const badVariables: unknown[] = [1.5, "100", "1e3", 0, -1, 1_000_000_000_001, 1e21, true, {}, [100]];
		for (const amount of badVariables) {
			const res = await henry.run(DEPOSIT_VAR, { amount });
			const error = onlyError(res);
			expect({ amount, extensions: error.extensions }).toMatchObject({
				amount,
				extensions: { code: "BAD_USER_INPUT", type: "INVALID_MONEY", fields: [{ field: "amount" }] },
			});
			expect(error.message).toMatch(/Money must be an integer number of minor units from 1 to 1000000000000/);
			expect(res.body.data).toBeUndefined();
		}

		const badLiterals = ["1.5", '"100"', "0", "-5", "1000000000001", "1000000000000000000000000000000", "true", "[1]", "{ a: 1 }"];
		for (const literal of badLiterals) {
			const res = await henry.run(`mutation { deposit(amount: ${literal}) { balance } }`);
			const error = onlyError(res);
			expect({ literal, extensions: error.extensions }).toMatchObject({
				literal,
				extensions: { code: "BAD_USER_INPUT", type: "INVALID_MONEY", fields: [{ field: "amount" }] },
			});
			expect(error.message).toMatch(/^Money must be an integer number of minor units/);
		}

		// null for a Money! and a missing variable are refused by GraphQL itself.
		expect(onlyError(await henry.run(DEPOSIT_VAR, { amount: null })).extensions.code).toBe("BAD_USER_INPUT");
		expect(onlyError(await henry.run(DEPOSIT_VAR, {})).extensions.code).toBe("BAD_USER_INPUT");

		// Nothing changed.
		const state = await henry.run("{ balance ledger { amount } orders { total } }");
		expect(state.body.data).toEqual({ balance: 100, ledger: [{ amount: 100 }], orders: { total: 0 } });
	});

	it("accepts the largest amount, beyond GraphQL's 32-bit Int", async () => {
		const ida = newUser();
		await ida.run("mutation { createAccount { userId } }");
		expect((await ida.run(DEPOSIT_VAR, { amount: 1_000_000_000_000 })).body.data.deposit.balance).toBe(1_000_000_000_000);
		expect((await ida.run("mutation { deposit(amount: 1000000000000) { balance } }")).body.data.deposit.balance).toBe(2_000_000_000_000);
		const order = await ida.run('mutation { createOrder(amount: 3000000000, description: "big") { amount } }');
		expect(order.body.data.createOrder.amount).toBe(3_000_000_000);
	});
});
