/**
 * Who is calling: the user id from `Authorization: Bearer <jwt>` when a JWT secret is set, else
 * from `X-User-Id`. The same rules serve REST, GraphQL over HTTP and the WebSocket.
 */
import { Errors } from "moleculer";
import { UUID_PATTERN } from "../action-params.js";
import { verifyHs256 } from "./jwt.js";

export class IdentityError extends Errors.MoleculerClientError {
	constructor(code: 400 | 401, type: string, message: string, field: string) {
		super(message, code, type, [{ field, message }]);
		this.name = code === 401 ? "UnauthorizedError" : "ValidationError";
	}
}

export interface Credentials {
	userIdHeader?: string | string[] | null;
	authorization?: string | string[] | null;
}

function single(value: string | string[] | null | undefined): string | undefined {
	return Array.isArray(value) ? value[0] : (value ?? undefined);
}

export function resolveUserId(credentials: Credentials, jwtSecret: string | undefined): string {
	if (jwtSecret) {
		const auth = single(credentials.authorization);
		if (!auth) throw new IdentityError(401, "NO_TOKEN", "A bearer token is required (Authorization: Bearer <jwt>).", "Authorization");
		const match = /^Bearer\s+(\S+)$/i.exec(auth.trim());
		if (!match) throw new IdentityError(401, "INVALID_TOKEN", "The Authorization header must be 'Bearer <jwt>'.", "Authorization");
		const verdict = verifyHs256(match[1], jwtSecret);
		if (!verdict.ok) throw new IdentityError(401, "INVALID_TOKEN", `The bearer token is not valid: ${verdict.reason}.`, "Authorization");
		const sub = verdict.claims.sub;
		if (typeof sub !== "string" || !UUID_PATTERN.test(sub)) {
			throw new IdentityError(401, "INVALID_TOKEN", "The token's 'sub' claim must be a user id (UUID).", "Authorization");
		}
		return sub.toLowerCase();
	}
	const header = single(credentials.userIdHeader)?.trim();
	if (!header) throw new IdentityError(401, "NO_USER_ID", "The X-User-Id header is required.", "X-User-Id");
	if (!UUID_PATTERN.test(header)) throw new IdentityError(400, "INVALID_USER_ID", "The X-User-Id header must be a UUID.", "X-User-Id");
	return header.toLowerCase();
}
