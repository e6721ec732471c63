/**
 * GraphiQL at GET /graphql for browsers, with no internet access needed: GraphiQL 3's prebuilt
 * browser bundle, React 18's UMD builds and graphql-ws's UMD client are served straight from
 * node_modules (see AssetFiles), so there is no build step and no CDN. playground/playground.js
 * wires them together: queries and mutations over HTTP, subscriptions over graphql-ws, both with
 * the headers typed in GraphiQL's Headers tab (X-User-Id or Authorization).
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { AssetFiles, packageFile } from "../http/asset-files.js";

const here = path.dirname(fileURLToPath(import.meta.url));

export const PLAYGROUND_ASSETS_PATH = "/graphql/assets";

export function playgroundAssets(): AssetFiles {
	return new AssetFiles({
		"graphiql.min.css": packageFile("graphiql", "graphiql.min.css"),
		"graphiql.min.js": packageFile("graphiql", "graphiql.min.js"),
		"react.production.min.js": packageFile("react", "umd/react.production.min.js"),
		"react-dom.production.min.js": packageFile("react-dom", "umd/react-dom.production.min.js"),
		"graphql-ws.min.js": packageFile("graphql-ws", "umd/graphql-ws.min.js"),
		"playground.js": path.join(here, "playground", "playground.js"),
	});
}

/** True for a browser navigating to the page (it asks for HTML first). */
export function wantsHtml(accept: string | undefined): boolean {
	if (!accept) return false;
	const html = accept.indexOf("text/html");
	if (html === -1) return false;
	const json = accept.search(/application\/(graphql-response\+)?json/);
	return json === -1 || html < json;
}

export function playgroundPage(): string {
	const a = PLAYGROUND_ASSETS_PATH;
	return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Gozon · GraphiQL</title>
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="${a}/graphiql.min.css">
<style>html,body{height:100%;margin:0}#graphiql{height:100vh}#graphiql>.loading{font:16px system-ui,sans-serif;padding:2rem;color:#555}</style>
</head>
<body>
<div id="graphiql"><p class="loading">Loading GraphiQL…</p></div>
<script src="${a}/react.production.min.js"></script>
<script src="${a}/react-dom.production.min.js"></script>
<script src="${a}/graphql-ws.min.js"></script>
<script src="${a}/graphiql.min.js"></script>
<script src="${a}/playground.js"></script>
</body>
</html>
`;
}
