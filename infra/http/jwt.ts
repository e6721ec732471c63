/**
 * HS256 JSON Web Tokens, the only kind Gozon accepts when AUTH_JWT_SECRET is set. Verification
 * pins the algorithm (no "alg": "none" or key confusion), compares signatures in constant time
 * and checks expiry and not-before.
 */
import { createHmac, timingSafeEqual } from "node:crypto";

export interface JwtClaims {
	sub?: unknown;
	exp?: unknown;
	nbf?: unknown;
	[claim: string]: unknown;
}

const b64url = (input: Buffer | string) => Buffer.from(input).toString("base64url");

export function signHs256(claims: JwtClaims, secret: string): string {
	const header = b64url(JSON.stringify({ alg: "HS256", typ: "JWT" }));
	const payload = b64url(JSON.stringify(claims));
	const signature = createHmac("sha256", secret).update(`${header}.${payload}`).digest("base64url");
	return `${header}.${payload}.${signature}`;
}

export type JwtVerdict = { ok: true; claims: JwtClaims } | { ok: false; reason: string };

export function verifyHs256(token: string, secret: string, nowSeconds = Math.floor(Date.now() / 1000)): JwtVerdict {
	const parts = token.split(".");
	if (parts.length !== 3) return { ok: false, reason: "malformed token" };
	const [header, payload, signature] = parts;
	let parsedHeader: { alg?: unknown };
	let claims: JwtClaims;
	try {
		parsedHeader = JSON.parse(Buffer.from(header, "base64url").toString("utf8"));
		claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
	} catch {
		return { ok: false, reason: "malformed token" };
	}
	if (parsedHeader.alg !== "HS256") return { ok: false, reason: "unsupported algorithm" };
	const expected = createHmac("sha256", secret).update(`${header}.${payload}`).digest();
	const given = Buffer.from(signature, "base64url");
	if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: "bad signature" };
	if (typeof claims !== "object" || claims === null) return { ok: false, reason: "malformed token" };
	if (claims.exp !== undefined && (typeof claims.exp !== "number" || claims.exp <= nowSeconds)) return { ok: false, reason: "token expired" };
	if (claims.nbf !== undefined && (typeof claims.nbf !== "number" || claims.nbf > nowSeconds)) return { ok: false, reason: "token not yet valid" };
	return { ok: true, claims };
}
