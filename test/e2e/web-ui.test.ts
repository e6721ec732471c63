/**
 * The web UI in a real browser (Debian's headless Chromium driven by playwright-core) against the
 * full topology: open an account, top it up, place an order, and see it become FINISHED live —
 * pushed over the GraphQL subscription, with no reload and no polling. Errors show the server's
 * message and the field. Screenshots go to test/artifacts/ (git-ignored).
 */
import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import playwright, { type Browser, type Page, type Request } from "playwright-core";
import type { OrderUpdateHub } from "../../infra/graphql/order-updates.js";
import { userClient } from "../support/http-client.js";
import { startMesh, type Mesh } from "../support/mesh.js";
import { waitFor } from "../support/wait-for.js";

const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
const ARTIFACTS = path.resolve("test/artifacts");

let mesh: Mesh;
let browser: Browser;

/** Orders whose `orders.updated` event reached the gateway (for diagnostics). */
const settledHere = new Set<string>();

const gatewayHub = () => (mesh.brokers.gateways[0].getLocalService("gateway") as unknown as { orderUpdates: OrderUpdateHub }).orderUpdates;

function recordSettlements() {
	const hub = gatewayHub();
	const publish = hub.publish.bind(hub);
	hub.publish = update => {
		settledHere.add(update.id);
		return publish(update);
	};
}

/** Whether the order's settlement reached this mesh's gateway: tells a lost push from a stray settlement. */
function heardOf(orderId: string | null): string {
	if (orderId !== null && settledHere.has(orderId)) return "the gateway did receive orders.updated for it";
	return "the gateway did not receive orders.updated for it (was it settled by an orders instance outside this test's mesh, sharing its Kafka consumer group?)";
}

beforeAll(async () => {
	if (!existsSync(CHROMIUM)) {
		throw new Error(`No Chromium at ${CHROMIUM}: install it (apt-get install -y chromium) or set CHROMIUM_PATH.`);
	}
	mkdirSync(ARTIFACTS, { recursive: true });
	settledHere.clear();
	[mesh, browser] = await Promise.all([
		startMesh(),
		playwright.chromium.launch({
			executablePath: CHROMIUM,
			args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
		}),
	]);
	recordSettlements();
});

afterAll(async () => {
	await browser?.close();
	await mesh?.stop();
});

/** A phone-sized page with a fresh browser profile (so a new user), reporting script errors. */
async function phonePage(): Promise<{ page: Page; errors: string[]; graphqlPosts: { at: number; body: string }[] }> {
	const context = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
	const page = await context.newPage();
	const errors: string[] = [];
	const graphqlPosts: { at: number; body: string }[] = [];
	page.on("pageerror", err => errors.push(err.message));
	page.on("request", (req: Request) => {
		if (req.url().endsWith("/graphql") && req.method() === "POST") graphqlPosts.push({ at: Date.now(), body: req.postData() ?? "" });
	});
	return { page, errors, graphqlPosts };
}

/** A full-page screenshot from the top, once the passing notices have gone. */
async function screenshot(page: Page, name: string) {
	// (Strings: this code runs in the page, and the tests are compiled without the DOM's types.)
	await page.waitForFunction('!document.querySelector(".toast")', undefined, { timeout: 10_000 });
	await page.evaluate("document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0)");
	await page.screenshot({ path: path.join(ARTIFACTS, name), fullPage: true });
}

describe("the web UI", () => {
	it("opens an account, tops it up, places an order and sees it FINISHED live", async () => {
		const { page, errors, graphqlPosts } = await phonePage();
		await page.goto(mesh.gatewayUrls[0]);
		await expect(page.title()).resolves.toBe("Gozon");
		const userId = await page.getByTestId("user-id").inputValue();
		expect(userId).toMatch(/^[0-9a-f-]{36}$/);
		await expect(page.getByTestId("user-short").textContent()).resolves.toBe(userId);
		await page.locator("#live[data-state=live]").waitFor();

		await page.getByTestId("create-account").click();
		await page.getByTestId("balance").filter({ hasText: "0,00" }).waitFor();

		await page.getByTestId("deposit-amount").fill("1000");
		await page.getByTestId("deposit").click();
		await page.getByTestId("balance").filter({ hasText: /1\s000,00/ }).waitFor();
		await page.getByTestId("ledger").getByText("Top-up").waitFor();

		const navigations: string[] = [];
		page.on("framenavigated", frame => navigations.push(frame.url()));
		await page.getByTestId("order-description").fill("A book");
		await page.getByTestId("order-amount").fill("250");
		const placedAt = Date.now();
		await page.getByTestId("place-order").click();

		const order = page.getByTestId("orders").locator("li").filter({ hasText: "A book" });
		await order.waitFor();
		await order
			.locator("[data-testid=order-status][data-status=FINISHED]")
			.waitFor({ timeout: 30_000 })
			.catch(async err => {
				// Tell a missed push from a slow payment: what does the API say about the order?
				const id = await order.getAttribute("data-id");
				const stored = id ? (await userClient(mesh.gatewayUrls[0], userId).order(id)).body : null;
				const live = await page.locator("#live").getAttribute("data-state");
				throw new Error(`no FINISHED on the page (live: ${live}); the API says ${JSON.stringify(stored)}; ${heardOf(id)}; ${(err as Error).message}`);
			});
		const finishedAt = Date.now();
		await expect(order.locator("[data-testid=order-status]").textContent()).resolves.toBe("Paid");

		// Live: no reload, and nothing asked for the orders between placing it and seeing it paid.
		expect(navigations).toEqual([]);
		const asked = graphqlPosts.filter(p => p.at >= placedAt && p.at <= finishedAt).map(p => JSON.parse(p.body).query as string);
		expect(asked.filter(q => /\borders\b|\border\(/.test(q))).toEqual([]);

		// The payment shows in the balance and the ledger.
		await page.getByTestId("balance").filter({ hasText: /750,00/ }).waitFor();
		await page.getByTestId("ledger").getByText("Payment · A book").waitFor();

		await screenshot(page, "web-ui-finished.png");

		// An order the balance cannot cover is CANCELED, live, with the reason.
		await page.getByTestId("order-description").fill("A yacht");
		await page.getByTestId("order-amount").fill("5000");
		await page.getByTestId("place-order").click();
		const yacht = page.getByTestId("orders").locator("li").filter({ hasText: "A yacht" });
		await yacht.locator("[data-testid=order-status][data-status=CANCELED]").waitFor({ timeout: 30_000 });
		await yacht.getByText("Not enough money on the account").waitFor();

		expect(errors).toEqual([]);
		// The same user id is kept for the next visit.
		await page.reload();
		await expect(page.getByTestId("user-id").inputValue()).resolves.toBe(userId);
		await page.getByTestId("orders").locator("li").nth(1).waitFor();
		await page.context().close();
	});

	it("shows the server's message and the field for bad input", async () => {
		const { page, errors } = await phonePage();
		await page.goto(mesh.gatewayUrls[0]);
		await page.getByTestId("create-account").click();
		await page.getByTestId("deposit-amount").waitFor();

		// Zero passes the page's own check; the server refuses it (Money starts at 1 kopeck).
		await page.getByTestId("deposit-amount").fill("0");
		await page.getByTestId("deposit").click();
		const depositMsg = page.getByTestId("deposit-msg");
		await depositMsg.waitFor();
		await expect(depositMsg.textContent()).resolves.toMatch(/amount.*Money must be an integer number of minor units from 1 to 1000000000000; got 0/);
		await expect(depositMsg.textContent()).resolves.toContain("BAD_USER_INPUT");
		await expect(page.getByTestId("deposit-amount").getAttribute("aria-invalid")).resolves.toBe("true");

		// A blank description is refused by the orders service.
		await page.getByTestId("order-description").fill("   ");
		await page.getByTestId("order-amount").fill("10");
		await page.getByTestId("place-order").click();
		const orderMsg = page.getByTestId("order-msg");
		await orderMsg.waitFor();
		await expect(orderMsg.textContent()).resolves.toMatch(/description.*The 'description' field must not be empty/);

		// The page's own checks speak the same way.
		await page.getByTestId("deposit-amount").fill("12.345");
		await page.getByTestId("deposit").click();
		await expect(page.getByTestId("deposit-msg").textContent()).resolves.toMatch(/at most two decimals/);
		await page.locator("#user-details > summary").click();
		await page.getByTestId("user-id").fill("not-a-uuid");
		await page.getByTestId("switch-user").click();
		await expect(page.locator("#user-msg").textContent()).resolves.toMatch(/A user id is a UUID/);

		await screenshot(page, "web-ui-errors.png");
		expect(errors).toEqual([]);
		await page.context().close();
	});
});

describe("the developer pages, offline", () => {
	it("GraphiQL runs a subscription over the WebSocket and shows the push", async () => {
		const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
		const page = await context.newPage();
		const errors: string[] = [];
		const outside: string[] = [];
		page.on("pageerror", err => errors.push(err.message));
		page.on("request", req => {
			if (!req.url().startsWith(mesh.gatewayUrls[0].replace("http", "ws")) && !req.url().startsWith(mesh.gatewayUrls[0]) && !req.url().startsWith("data:")) outside.push(req.url());
		});
		await page.goto(`${mesh.gatewayUrls[0]}/graphql`);
		await page.waitForSelector(".graphiql-query-editor .CodeMirror");
		// GraphiQL fills the Headers tab with the same user id the shop's page uses.
		const userId = (await page.evaluate('localStorage.getItem("gozon.userId")')) as string;
		expect(userId).toMatch(/^[0-9a-f-]{36}$/);
		await page.evaluate(
			`document.querySelector(".graphiql-query-editor .CodeMirror").CodeMirror.setValue("subscription Watch { orderUpdated { id status reason amount } }")`,
		);
		const subscriptionsBefore = gatewayHub().size;
		// GraphiQL reads the editor's operations 100 ms after an edit; until then it still sees the
		// default document's five, and the button only opens a menu to pick one. Click it once it
		// is the plain Execute button for the single subscription.
		await page.click(".graphiql-execute-button:not([aria-haspopup])");
		await waitFor(async () => gatewayHub().size, n => n > subscriptionsBefore, { what: "GraphiQL's subscription to reach the gateway" });

		const user = userClient(mesh.gatewayUrls[0], userId);
		await user.createAccount();
		await user.deposit(500);
		const order = (await user.createOrder(200, "seen in GraphiQL")).body;
		await page
			.waitForFunction(`(document.querySelector(".graphiql-response") || {}).textContent?.includes(${JSON.stringify(order.id)})`, undefined, { timeout: 30_000 })
			.catch(async err => {
				const stored = (await user.order(order.id)).body;
				throw new Error(`GraphiQL showed no push; the API says ${JSON.stringify(stored)}; ${heardOf(order.id)}; ${(err as Error).message}`);
			});
		const response = (await page.textContent(".graphiql-response")) ?? "";
		expect(response).toContain("FINISHED");
		await page.screenshot({ path: path.join(ARTIFACTS, "graphiql-subscription.png") });

		// Swagger UI renders the document too, from this server alone.
		await page.goto(`${mesh.gatewayUrls[0]}/api/docs`);
		await page.getByText("Gozon REST API").first().waitFor();
		await page.locator(".opblock-summary-path", { hasText: "/api/orders/{id}" }).first().waitFor();
		await page.screenshot({ path: path.join(ARTIFACTS, "swagger-ui.png") });

		expect(errors).toEqual([]);
		expect(outside).toEqual([]);
		await context.close();
	});
});
