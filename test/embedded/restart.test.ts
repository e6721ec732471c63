/**
 * The embedded default keeps its data in a folder: stop the shop, start it again on the same
 * folder, and accounts, ledgers and orders are all there — and it keeps working.
 */
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "@jest/globals";
import { userClient } from "../support/http-client.js";
import { startMesh } from "../support/mesh.js";
import { waitForFinal } from "../support/shop-assertions.js";

describe("embedded restart", () => {
	it("keeps accounts and orders across a restart", async () => {
		const userId = randomUUID();
		const first = await startMesh();
		let orderId: string;
		try {
			const user = userClient(first.gatewayUrls[0], userId);
			expect((await user.createAccount()).status).toBe(201);
			await user.deposit(900);
			orderId = (await user.createOrder(400, "kept")).body.id;
			expect((await waitForFinal(user, orderId)).status).toBe("FINISHED");
		} finally {
			await first.stop();
		}

		const second = await startMesh();
		try {
			const user = userClient(second.gatewayUrls[0], userId);
			expect((await user.account()).body.balance).toBe(500);
			expect((await user.order(orderId)).body).toMatchObject({ status: "FINISHED", amount: 400, description: "kept" });
			expect((await user.transactions()).body.map((e: { type: string }) => e.type)).toEqual(["DEBIT", "CREDIT"]);
			const next = (await user.createOrder(100, "after restart")).body.id;
			expect((await waitForFinal(user, next)).status).toBe("FINISHED");
			expect((await user.account()).body.balance).toBe(400);
		} finally {
			await second.stop();
		}
	});
});
