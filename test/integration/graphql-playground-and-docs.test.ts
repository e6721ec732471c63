/**
 * The developer pages, served from the project's own dependencies (no CDN): GraphiQL at
 * GET /graphql, the OpenAPI document at /api/openapi.json and Swagger UI at /api/docs. The
 * OpenAPI document must cover every REST route, and its schemas must match what the API answers.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormatsModule, { type FormatsPlugin } from "ajv-formats";
import GatewayService from "../../services/gateway.service.js";
import { userClient } from "../support/http-client.js";
import { startMesh, type Mesh } from "../support/mesh.js";
import { waitFor } from "../support/wait-for.js";

// ajv-formats ships CommonJS; under NodeNext its default export is the module object.
const addFormats: FormatsPlugin = (addFormatsModule as unknown as { default: FormatsPlugin }).default ?? addFormatsModule;

/** A schema of the document, its local references pointed at the document added as "openapi". */
const inDocument = (schema: object) => JSON.parse(JSON.stringify(schema).replace(/"#\/components\//g, '"openapi#/components/'));

let mesh: Mesh;
const base = () => mesh.gatewayUrls[0];

beforeAll(async () => {
	mesh = await startMesh();
});
afterAll(async () => {
	await mesh?.stop();
});

/** Every script and stylesheet a page loads; all must be on this server. */
function linkedAssets(html: string): string[] {
	return [...html.matchAll(/<(?:script[^>]*\bsrc|link[^>]*\bhref)="([^"]+)"/g)].map(m => m[1]);
}

async function expectServedAssets(html: string, prefix: string) {
	const assets = linkedAssets(html);
	expect(assets.length).toBeGreaterThan(0);
	expect(html).not.toMatch(/https?:\/\//);
	for (const asset of assets) {
		expect(asset.startsWith("/")).toBe(true);
		const res = await fetch(`${base()}${asset}`);
		expect({ asset, status: res.status }).toEqual({ asset, status: 200 });
		const type = res.headers.get("content-type") ?? "";
		if (asset.endsWith(".js")) expect(type).toMatch(/^text\/javascript/);
		if (asset.endsWith(".css")) expect(type).toMatch(/^text\/css/);
		expect((await res.arrayBuffer()).byteLength).toBeGreaterThan(100);
	}
	return assets.filter(a => a.startsWith(prefix));
}

describe("GraphiQL at GET /graphql", () => {
	it("is served to a browser, with every file from this server", async () => {
		const res = await fetch(`${base()}/graphql`, { headers: { accept: "text/html,application/xhtml+xml,*/*;q=0.8" } });
		expect(res.status).toBe(200);
		expect(res.headers.get("content-type")).toMatch(/^text\/html/);
		const html = await res.text();
		expect(html).toContain('id="graphiql"');
		const mine = await expectServedAssets(html, "/graphql/assets/");
		expect(mine).toEqual(
			expect.arrayContaining([
				"/graphql/assets/graphiql.min.js",
				"/graphql/assets/graphiql.min.css",
				"/graphql/assets/react.production.min.js",
				"/graphql/assets/react-dom.production.min.js",
				"/graphql/assets/graphql-ws.min.js",
				"/graphql/assets/playground.js",
			]),
		);
	});

	it("serves the bundles compressed and cacheable, and nothing off its list", async () => {
		const url = `${base()}/graphql/assets/graphiql.min.js`;
		const gz = await fetch(url, { headers: { "accept-encoding": "gzip" } });
		expect(gz.headers.get("content-encoding")).toBe("gzip");
		const etag = gz.headers.get("etag")!;
		expect(etag).toBeTruthy();
		await gz.arrayBuffer();
		const again = await fetch(url, { headers: { "if-none-match": etag } });
		expect(again.status).toBe(304);

		for (const path of ["/graphql/assets/package.json", "/graphql/assets/..%2F..%2Fpackage.json", "/graphql/assets/%2e%2e%2fgraphql.mixin.ts"]) {
			const res = await fetch(`${base()}${path}`);
			expect({ path, status: res.status }).toEqual({ path, status: 404 });
		}
	});

	it("answers JSON clients with GraphQL, not the page", async () => {
		const res = await fetch(`${base()}/graphql?query=${encodeURIComponent("{ __typename }")}`, { headers: { accept: "application/json" } });
		expect(await res.json()).toEqual({ data: { __typename: "Query" } });
	});
});

describe("OpenAPI at /api/openapi.json", () => {
	let doc: any;
	beforeAll(async () => {
		const res = await fetch(`${base()}/api/openapi.json`);
		expect(res.status).toBe(200);
		expect(res.headers.get("content-type")).toMatch(/^application\/json/);
		doc = await res.json();
	});

	it("is OpenAPI 3 and covers every REST route the gateway maps", () => {
		expect(doc.openapi).toMatch(/^3\./);
		const restRoute = (GatewayService.settings!.routes as { path: string; aliases: Record<string, string> }[]).find(r => r.path === "/api")!;
		const aliases = Object.keys(restRoute.aliases);
		expect(aliases.length).toBeGreaterThanOrEqual(9);
		for (const alias of aliases) {
			const [method, path] = alias.split(/\s+/);
			const openApiPath = `/api${path}`.replace(/:(\w+)/g, "{$1}");
			expect({ alias, documented: Boolean(doc.paths[openApiPath]?.[method.toLowerCase()]) }).toEqual({ alias, documented: true });
		}
	});

	it("documents identity, the Idempotency-Key header, the error shape and examples", () => {
		expect(doc.components.securitySchemes.userId).toMatchObject({ type: "apiKey", in: "header", name: "X-User-Id" });
		expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: "http", scheme: "bearer", bearerFormat: "JWT" });
		expect(doc.components.schemas.Error.required).toEqual(["name", "message", "code", "type", "data"]);
		for (const path of ["/api/orders", "/api/accounts/me/deposits"]) {
			expect(doc.paths[path].post.parameters.map((p: { name: string; in: string }) => `${p.in}:${p.name}`)).toContain("header:Idempotency-Key");
		}
		for (const [path, item] of Object.entries<any>(doc.paths)) {
			for (const [method, op] of Object.entries<any>(item)) {
				const where = `${method.toUpperCase()} ${path}`;
				const success = Object.entries<any>(op.responses).filter(([code]) => code.startsWith("2"));
				expect({ where, hasSuccess: success.length > 0 }).toEqual({ where, hasSuccess: true });
				for (const [, response] of success) {
					const media = response.content?.["application/json"];
					expect({ where, example: media?.example !== undefined || media?.examples !== undefined }).toEqual({ where, example: true });
				}
				if (!(op.security && op.security.length === 0)) {
					expect({ where, errors: ["400", "401", "503"].every(code => code in op.responses) }).toEqual({ where, errors: true });
				}
			}
		}
	});

	describe("matches what the API answers", () => {
		let ajv: Ajv2020;
		const check = (schemaName: string, value: unknown) => {
			const validate = ajv.getSchema(`openapi#/components/schemas/${schemaName}`)!;
			const ok = validate(value);
			expect({ schemaName, value, errors: ok ? null : validate.errors }).toEqual({ schemaName, value, errors: null });
		};
		beforeAll(() => {
			ajv = new Ajv2020({ strict: false, allErrors: true });
			addFormats(ajv);
			ajv.addSchema({ ...doc, $id: "openapi" });
		});

		it("every example fits its schema", () => {
			const resolve = (ref: string) => ref.replace("#/components/responses/", "").split("/").reduce((o: any, k) => o?.[k], doc.components.responses);
			for (const [path, item] of Object.entries<any>(doc.paths)) {
				for (const [method, op] of Object.entries<any>(item)) {
					const bodies = [
						...(op.requestBody ? [["request", op.requestBody]] : []),
						...Object.entries<any>(op.responses).map(([code, r]) => [code, r.$ref ? resolve(r.$ref) : r]),
					] as [string, any][];
					for (const [code, body] of bodies) {
						const media = body.content?.["application/json"];
						if (!media) continue;
						const validate = ajv.compile(inDocument(media.schema));
						const examples = [media.example, ...Object.values<any>(media.examples ?? {}).map(e => e.value)].filter(e => e !== undefined);
						for (const example of examples) {
							const where = `${method.toUpperCase()} ${path} ${code}`;
							expect({ where, errors: validate(example) ? null : validate.errors }).toEqual({ where, errors: null });
						}
					}
				}
			}
		});

		it("real responses fit the documented schemas", async () => {
			const user = userClient(base(), randomUUID());
			const created = await user.createAccount();
			check("CreatedAccount", created.body);
			check("Error", (await user.createAccount()).body);
			check("Balance", (await user.deposit(1000)).body);
			check("Error", (await user.deposit(1.5)).body);
			check("Account", (await user.account()).body);
			const order = await user.createOrder(250, "a documented order");
			check("Order", order.body);
			await waitFor(() => user.order(order.body.id), r => r.body.status !== "NEW", { what: "the order to settle" });
			check("Order", (await user.order(order.body.id)).body);
			check("OrderPage", (await user.orders()).body);
			for (const entry of (await user.transactions()).body) check("LedgerEntry", entry);
			check("Error", (await user.order(randomUUID())).body);
			check("Error", (await fetch(`${base()}/api/orders`).then(r => r.json())) as unknown);
			check("Health", await fetch(`${base()}/api/health`).then(r => r.json()));
			check("Readiness", await fetch(`${base()}/api/ready`).then(r => r.json()));
		});
	});
});

describe("Swagger UI at /api/docs", () => {
	it("is served with every file from this server, pointing at the OpenAPI document", async () => {
		for (const path of ["/api/docs", "/api/docs/"]) {
			const res = await fetch(`${base()}${path}`);
			expect(res.status).toBe(200);
			expect(res.headers.get("content-type")).toMatch(/^text\/html/);
			const html = await res.text();
			expect(html).toContain('id="swagger-ui"');
			const mine = await expectServedAssets(html, "/api/docs/");
			expect(mine).toEqual(expect.arrayContaining(["/api/docs/swagger-ui-bundle.js", "/api/docs/swagger-ui.css", "/api/docs/swagger-init.js"]));
		}
		const init = await (await fetch(`${base()}/api/docs/swagger-init.js`)).text();
		expect(init).toContain('"/api/openapi.json"');
		expect(init).toMatch(/validatorUrl:\s*null/);
	});
});
