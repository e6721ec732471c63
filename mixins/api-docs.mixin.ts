/**
 * API documentation for the gateway (a mixin for the moleculer-web service): the OpenAPI document
 * at GET /api/openapi.json and Swagger UI at GET /api/docs, both served offline.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Service, ServiceSchema } from "moleculer";
import { sendHtml, type AssetFiles } from "../infra/http/asset-files.js";
import { buildOpenApiDocument } from "../infra/openapi/openapi-document.js";
import { DOCS_PATH, swaggerAssets, swaggerPage } from "../infra/openapi/swagger-ui.js";

type Req = IncomingMessage & { $params?: Record<string, unknown> };
type DocsThis = Service & { openApiJson: string; swaggerAssets: AssetFiles };

export function apiDocsMixin(): Partial<ServiceSchema> {
	function openApiAlias(this: DocsThis, _req: Req, res: ServerResponse) {
		res.setHeader("Content-Type", "application/json; charset=utf-8");
		res.setHeader("Cache-Control", "no-cache");
		res.setHeader("Access-Control-Allow-Origin", "*");
		res.writeHead(200);
		res.end(this.openApiJson);
	}
	function pageAlias(this: DocsThis, _req: Req, res: ServerResponse) {
		sendHtml(res, swaggerPage());
	}
	function assetAlias(this: DocsThis, req: Req, res: ServerResponse) {
		this.swaggerAssets.send(String(req.$params?.file ?? ""), req, res);
	}

	const mixin: Partial<ServiceSchema> & { merged(schema: ServiceSchema): void } = {
		merged(schema: ServiceSchema) {
			const settings = (schema.settings ??= {}) as { routes?: unknown[] };
			const route = (name: string, path: string, aliases: Record<string, unknown>) => ({
				name,
				path,
				authentication: false,
				authorization: false,
				mappingPolicy: "restrict",
				bodyParsers: false,
				logging: false,
				aliases,
			});
			settings.routes = [
				...(settings.routes ?? []),
				route("openapi", "/api/openapi.json", { "GET /": openApiAlias }),
				route("api-docs", DOCS_PATH, { "GET /": pageAlias, "GET /:file": assetAlias }),
			];
		},

		created(this: Service & Record<string, any>) {
			this.openApiJson = JSON.stringify(buildOpenApiDocument(), null, 2);
			this.swaggerAssets = swaggerAssets();
			const missing = (this.swaggerAssets as AssetFiles).missing();
			if (missing.length > 0) this.logger.warn(`Swagger UI files missing (${missing.join(", ")}): run npm install`);
		},
	};
	return mixin;
}
