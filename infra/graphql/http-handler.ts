/**
 * GraphQL over HTTP at /graphql (after the GraphQL-over-HTTP spec):
 * - POST with a JSON body `{query, variables?, operationName?}` runs any query or mutation;
 * - GET with `?query=&variables=&operationName=` runs queries only (a mutation gets 405);
 * - GET from a browser (Accept: text/html, no query) gets the GraphiQL playground.
 * The caller is identified by the same rules as REST, lazily, so introspection needs no identity.
 * Responses are `application/json` (status 200 once the request is well-formed) or, when the
 * client accepts it, `application/graphql-response+json` (status 400 for documents that cannot run).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { GraphQLError, GraphQLSchema } from "graphql";
import { resolveUserId } from "../http/identity.js";
import { requestError } from "./errors.js";
import type { OrderUpdateHub } from "./order-updates.js";
import { OperationTypeNode, prepare, run, type FormattedResult, type RequestParams } from "./pipeline.js";
import { playgroundPage, wantsHtml } from "./playground.js";
import type { GozonGraphQLContext } from "./schema.js";

export interface GraphQLHttpOptions {
	schema: GraphQLSchema;
	orderUpdates: OrderUpdateHub;
	jwtSecret: string | undefined;
	/** Calls a Moleculer action on behalf of this request. */
	call: GozonGraphQLContext["call"];
	/** Largest request body accepted, in bytes. */
	bodyLimit: number;
	onInternalError: (err: GraphQLError) => void;
}

type Req = IncomingMessage & { query?: Record<string, unknown> };

const GRAPHQL_RESPONSE = "application/graphql-response+json";

class HttpProblem extends Error {
	constructor(
		readonly status: number,
		message: string,
		readonly code: string,
		readonly headers: Record<string, string> = {},
	) {
		super(message);
	}
}

function readBody(req: IncomingMessage, limit: number): Promise<string> {
	return new Promise((resolve, reject) => {
		const declared = Number(req.headers["content-length"]);
		if (Number.isFinite(declared) && declared > limit) {
			reject(new HttpProblem(413, `The request body is larger than ${limit} bytes.`, "PAYLOAD_TOO_LARGE"));
			req.resume();
			return;
		}
		const chunks: Buffer[] = [];
		let size = 0;
		req.on("data", (chunk: Buffer) => {
			size += chunk.length;
			if (size > limit) {
				reject(new HttpProblem(413, `The request body is larger than ${limit} bytes.`, "PAYLOAD_TOO_LARGE"));
				req.removeAllListeners("data");
				req.resume();
				return;
			}
			chunks.push(chunk);
		});
		req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
		req.on("error", reject);
	});
}

async function paramsOf(req: Req, limit: number): Promise<RequestParams> {
	if (req.method === "GET" || req.method === "HEAD") {
		const q = req.query ?? Object.fromEntries(new URL(req.url ?? "/", "http://localhost").searchParams);
		const one = (v: unknown) => (Array.isArray(v) ? v[0] : v);
		return { query: one(q.query), variables: one(q.variables), operationName: one(q.operationName) };
	}
	if (req.method !== "POST") throw new HttpProblem(405, "GraphQL takes GET and POST requests.", "METHOD_NOT_ALLOWED", { Allow: "GET, POST" });
	const type = String(req.headers["content-type"] ?? "").split(";")[0].trim().toLowerCase();
	if (type !== "application/json" && type !== "application/graphql+json") {
		throw new HttpProblem(415, "Send the GraphQL request as JSON (Content-Type: application/json).", "UNSUPPORTED_MEDIA_TYPE");
	}
	const text = await readBody(req, limit);
	let body: unknown;
	try {
		body = JSON.parse(text);
	} catch {
		throw new HttpProblem(400, "The request body is not valid JSON.", "INVALID_JSON");
	}
	if (typeof body !== "object" || body === null || Array.isArray(body)) {
		throw new HttpProblem(400, "The request body must be one JSON object {query, variables, operationName}; batches are not supported.", "BAD_REQUEST");
	}
	return body as RequestParams;
}

function send(res: ServerResponse, status: number, body: FormattedResult, contentType: string, headers: Record<string, string> = {}) {
	if (res.headersSent) return;
	res.setHeader("Content-Type", `${contentType}; charset=utf-8`);
	res.setHeader("Cache-Control", "no-store");
	for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
	res.writeHead(status);
	res.end(JSON.stringify(body));
}

export async function handleGraphQLHttp(req: Req, res: ServerResponse, opts: GraphQLHttpOptions): Promise<void> {
	const accept = String(req.headers.accept ?? "");
	const modern = accept.includes(GRAPHQL_RESPONSE);
	const contentType = modern ? GRAPHQL_RESPONSE : "application/json";

	if ((req.method === "GET" || req.method === "HEAD") && wantsHtml(accept) && !(req.query ?? {}).query) {
		res.setHeader("Content-Type", "text/html; charset=utf-8");
		res.setHeader("Cache-Control", "no-cache");
		res.writeHead(200);
		res.end(req.method === "HEAD" ? undefined : playgroundPage());
		return;
	}

	let params: RequestParams;
	try {
		params = await paramsOf(req, opts.bodyLimit);
	} catch (err) {
		if (err instanceof HttpProblem) return send(res, err.status, { errors: [requestError(err.message, err.code)] }, contentType, err.headers);
		throw err;
	}

	let identity: { userId?: string; error?: unknown } | undefined;
	const contextValue: GozonGraphQLContext = {
		userId() {
			identity ??= (() => {
				try {
					return { userId: resolveUserId({ userIdHeader: req.headers["x-user-id"], authorization: req.headers.authorization }, opts.jwtSecret) };
				} catch (error) {
					return { error };
				}
			})();
			if (identity.error) throw identity.error;
			return identity.userId!;
		},
		call: opts.call,
		orderUpdates: opts.orderUpdates,
	};

	const prepared = prepare(opts.schema, params, contextValue);
	if (!prepared.ok) return send(res, prepared.requestError || modern ? 400 : 200, { errors: prepared.errors }, contentType);
	if (prepared.operation === OperationTypeNode.SUBSCRIPTION) {
		return send(
			res,
			400,
			{ errors: [requestError("Subscriptions run over WebSocket (graphql-ws protocol) at this same path.", "OPERATION_NOT_SUPPORTED")] },
			contentType,
		);
	}
	if (prepared.operation === OperationTypeNode.MUTATION && req.method !== "POST") {
		return send(res, 405, { errors: [requestError("Mutations must be sent with POST.", "METHOD_NOT_ALLOWED")] }, contentType, { Allow: "POST" });
	}
	const result = await run(prepared, opts.onInternalError);
	// A result without data is a request that never ran (e.g. a variable of the wrong type).
	send(res, !("data" in result) && modern ? 400 : 200, result, contentType);
}
