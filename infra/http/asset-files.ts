/**
 * Serves a fixed list of files (the GraphiQL and Swagger UI bundles from node_modules, and our
 * own small scripts) so the playgrounds work with no internet access. Only names on the list are
 * served, so no request path can reach any other file. Each file is read once, kept in memory
 * with its gzip form and an ETag.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createRequire } from "node:module";
import path from "node:path";
import { gzipSync } from "node:zlib";

const require = createRequire(import.meta.url);

/** The folder of an installed package, found the way Node resolves it from this project. */
export function packageDir(name: string): string {
	try {
		return path.dirname(require.resolve(`${name}/package.json`));
	} catch {
		// The package's "exports" hides package.json: walk up from its entry point.
		let dir = path.dirname(require.resolve(name));
		for (;;) {
			const manifest = path.join(dir, "package.json");
			if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, "utf8")) as { name?: string }).name === name) return dir;
			const parent = path.dirname(dir);
			if (parent === dir) throw new Error(`cannot find the folder of package '${name}'`);
			dir = parent;
		}
	}
}

export function packageFile(name: string, file: string): string {
	return path.join(packageDir(name), file);
}

const TYPES: Record<string, string> = {
	".js": "text/javascript; charset=utf-8",
	".css": "text/css; charset=utf-8",
	".html": "text/html; charset=utf-8",
	".json": "application/json; charset=utf-8",
	".png": "image/png",
	".svg": "image/svg+xml",
};

interface Loaded {
	body: Buffer;
	gzip: Buffer | null;
	etag: string;
	type: string;
}

export class AssetFiles {
	private readonly loaded = new Map<string, Loaded>();

	/** @param files public name → absolute path */
	constructor(private readonly files: Record<string, string>) {}

	/** Names whose file is missing (a broken install); empty when all is well. */
	missing(): string[] {
		return Object.entries(this.files)
			.filter(([, file]) => !existsSync(file))
			.map(([name]) => name);
	}

	has(name: string): boolean {
		return Object.hasOwn(this.files, name);
	}

	private load(name: string): Loaded {
		let entry = this.loaded.get(name);
		if (!entry) {
			const file = this.files[name];
			const body = readFileSync(file);
			const type = TYPES[path.extname(file)] ?? "application/octet-stream";
			const compressible = type.startsWith("text/") || type.startsWith("application/json") || type === "image/svg+xml";
			entry = {
				body,
				gzip: compressible && body.length > 1024 ? gzipSync(body) : null,
				etag: `"${createHash("sha1").update(body).digest("base64url")}"`,
				type,
			};
			this.loaded.set(name, entry);
		}
		return entry;
	}

	/** Sends the named file, or a 404 when the name is not on the list. */
	send(name: string, req: IncomingMessage, res: ServerResponse): void {
		if (!this.has(name)) {
			// The gateway's error shape, as for any other unknown address.
			res.writeHead(404, { "Content-Type": "application/json; charset=utf-8" });
			res.end(JSON.stringify({ name: "NotFoundError", message: "Not found", code: 404, type: "NOT_FOUND", data: [] }));
			return;
		}
		let entry: Loaded;
		try {
			entry = this.load(name);
		} catch {
			res.writeHead(500, { "Content-Type": "text/plain; charset=utf-8" });
			res.end(`The file '${name}' is missing from this installation; run npm install.`);
			return;
		}
		res.setHeader("Content-Type", entry.type);
		res.setHeader("ETag", entry.etag);
		res.setHeader("Cache-Control", "public, max-age=3600");
		res.setHeader("Vary", "Accept-Encoding");
		if (req.headers["if-none-match"] === entry.etag) {
			res.writeHead(304);
			res.end();
			return;
		}
		const gzip = entry.gzip && /\bgzip\b/.test(String(req.headers["accept-encoding"] ?? ""));
		const body = gzip ? entry.gzip! : entry.body;
		if (gzip) res.setHeader("Content-Encoding", "gzip");
		res.setHeader("Content-Length", body.length);
		res.writeHead(200);
		res.end(req.method === "HEAD" ? undefined : body);
	}
}

/** Sends a small generated page. */
export function sendHtml(res: ServerResponse, html: string): void {
	res.setHeader("Content-Type", "text/html; charset=utf-8");
	res.setHeader("Cache-Control", "no-cache");
	res.writeHead(200);
	res.end(html);
}
