/**
 * Hostile input, generated: hundreds of random bodies for order creation and top-ups over REST
 * and GraphQL. Whatever arrives, the answer is a success with a valid amount or a 4xx (GraphQL:
 * an error with a client code), never a 5xx or an internal error, and the books stay exact.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { isValidAmount } from "../../domain/money.js";
import { request, userClient, type UserClient } from "../support/http-client.js";
import { startMesh, type Mesh } from "../support/mesh.js";
import { hostileValues, prng } from "../support/random-values.js";
import { expectBooksBalance, waitForAllFinal } from "../support/shop-assertions.js";

const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 1_000_000);
let mesh: Mesh;
let user: UserClient;

beforeAll(async () => {
	mesh = await startMesh();
	user = userClient(mesh.gatewayUrls[0], randomUUID());
	await user.createAccount();
});
afterAll(async () => {
	await mesh?.stop();
});

describe(`fuzzed inputs (seed ${SEED})`, () => {
	it("answers every REST body with success or a 4xx, and accepts only valid amounts", async () => {
		const random = prng(SEED);
		const { value, pick } = hostileValues(random);
		const accepted: number[] = [];
		const failures: string[] = [];
		for (let i = 0; i < 250; i++) {
			const body =
				random() < 0.7
					? { amount: value(), description: pick([value(), "fuzz", "x".repeat(Math.floor(random() * 700))]), ...(random() < 0.2 ? { extra: value() } : {}) }
					: value();
			const path = random() < 0.5 ? "/api/orders" : "/api/accounts/me/deposits";
			const res = await request(mesh.gatewayUrls[0], "POST", path, { headers: { "x-user-id": user.userId, "content-type": "application/json" }, rawBody: JSON.stringify(body) });
			const ok = res.status === 200 || res.status === 201;
			if (!(ok || (res.status >= 400 && res.status < 500))) failures.push(`${res.status} for ${JSON.stringify(body).slice(0, 200)}`);
			if (ok) {
				const amount = (body as { amount: unknown }).amount;
				if (!isValidAmount(amount)) failures.push(`accepted amount ${JSON.stringify(amount)}`);
				if (path === "/api/accounts/me/deposits") accepted.push(amount as number);
			}
		}
		expect(failures).toEqual([]);
		// Whatever was accepted is in the books, exactly.
		const orders = (await user.orders("?pageSize=100")).body.total as number;
		const settled = await waitForAllFinal(user, orders);
		const books = await expectBooksBalance(user, settled);
		expect(books.credits).toBe(accepted.reduce((sum, amount) => sum + amount, 0));
	});

	it("answers every GraphQL variable with data or a client error code, never an internal one", async () => {
		const random = prng(SEED + 1);
		const { value } = hostileValues(random);
		const failures: string[] = [];
		for (let i = 0; i < 150; i++) {
			const variables = { amount: value(), description: value() };
			const res = await request(mesh.gatewayUrls[0], "POST", "/graphql", {
				headers: { "x-user-id": user.userId, "content-type": "application/json" },
				body: { query: "mutation($amount: Money!, $description: String!) { createOrder(amount: $amount, description: $description) { id amount } }", variables },
			});
			const codes: string[] = (res.body?.errors ?? []).map((e: { extensions?: { code?: string } }) => e.extensions?.code ?? "NONE");
			if (res.status >= 500 || codes.some(c => c === "INTERNAL_SERVER_ERROR" || c === "NONE")) failures.push(`${res.status} ${codes} for ${JSON.stringify(variables).slice(0, 200)}`);
			if (res.body?.data?.createOrder && !isValidAmount(variables.amount)) failures.push(`accepted amount ${JSON.stringify(variables.amount)}`);
		}
		expect(failures).toEqual([]);
	});
});
