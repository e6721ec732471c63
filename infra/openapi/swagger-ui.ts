/**
 * Swagger UI at /api/docs, with no internet access needed: swagger-ui-dist's prebuilt bundle and
 * stylesheet are served from node_modules by AssetFiles, with a small start script of our own.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { AssetFiles, packageFile } from "../http/asset-files.js";

const here = path.dirname(fileURLToPath(import.meta.url));

export const DOCS_PATH = "/api/docs";

export function swaggerAssets(): AssetFiles {
	return new AssetFiles({
		"swagger-ui.css": packageFile("swagger-ui-dist", "swagger-ui.css"),
		"swagger-ui-bundle.js": packageFile("swagger-ui-dist", "swagger-ui-bundle.js"),
		"favicon-32x32.png": packageFile("swagger-ui-dist", "favicon-32x32.png"),
		"swagger-init.js": path.join(here, "swagger-ui", "swagger-init.js"),
	});
}

export function swaggerPage(): string {
	const a = DOCS_PATH;
	return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Gozon · REST API</title>
<link rel="icon" type="image/png" href="${a}/favicon-32x32.png">
<link rel="stylesheet" href="${a}/swagger-ui.css">
<style>body{margin:0;background:#fafafa}.topbar{display:none}</style>
</head>
<body>
<div id="swagger-ui"></div>
<script src="${a}/swagger-ui-bundle.js"></script>
<script src="${a}/swagger-init.js"></script>
</body>
</html>
`;
}
