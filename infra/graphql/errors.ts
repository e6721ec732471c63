/**
 * Errors in GraphQL responses. Every error carries `extensions.code`:
 *
 * | code | when |
 * | --- | --- |
 * | GRAPHQL_PARSE_FAILED | the document is not valid GraphQL syntax |
 * | GRAPHQL_VALIDATION_FAILED | the document does not fit the schema (unknown field, missing argument...) |
 * | BAD_USER_INPUT | a value is refused: a Money outside its range, a variable of the wrong type, or a service's validation (HTTP 400/422) |
 * | UNAUTHENTICATED | no or a bad X-User-Id / bearer token |
 * | NOT_FOUND, CONFLICT, FORBIDDEN, TOO_MANY_REQUESTS | the service's 404, 409, 403, 429 |
 * | SERVICE_UNAVAILABLE | a service is down or did not answer in time |
 * | INTERNAL_SERVER_ERROR | anything else; the details stay in the gateway's log |
 *
 * Errors from the services keep REST's details: `type` (e.g. ACCOUNT_NOT_FOUND), `status` (the
 * HTTP status REST would send) and `fields` (`[{field, message}]`, the offending inputs).
 */
import { GraphQLError, Kind, visit, type DocumentNode, type GraphQLFormattedError, type ASTNode } from "graphql";
import { toErrorResponse, type ErrorBody } from "../http/error-response.js";
import { IdentityError } from "../http/identity.js";
import { MONEY_ERROR_TYPE } from "./money-scalar.js";

export type FieldProblem = ErrorBody["data"][number];

const CODE_BY_STATUS: Record<number, string> = {
	400: "BAD_USER_INPUT",
	401: "UNAUTHENTICATED",
	403: "FORBIDDEN",
	404: "NOT_FOUND",
	409: "CONFLICT",
	413: "BAD_USER_INPUT",
	422: "BAD_USER_INPUT",
	429: "TOO_MANY_REQUESTS",
	503: "SERVICE_UNAVAILABLE",
};

/** A Moleculer error (from a service call or the identity check) as a GraphQL error. */
export function fromServiceError(err: unknown): GraphQLError {
	if (err instanceof GraphQLError) return err;
	const body = toErrorResponse(err);
	const code = err instanceof IdentityError ? "UNAUTHENTICATED" : (CODE_BY_STATUS[body.code] ?? "INTERNAL_SERVER_ERROR");
	return new GraphQLError(body.message, {
		originalError: err instanceof Error ? err : undefined,
		extensions: { code, type: body.type, status: body.code, fields: body.data },
	});
}

/** An input problem the gateway itself finds (before calling a service). */
export function badUserInput(field: string, message: string, type = "VALIDATION_ERROR"): GraphQLError {
	return new GraphQLError(message, { extensions: { code: "BAD_USER_INPUT", type, status: 400, fields: [{ field, message }] } });
}

/** A request-level problem: no query, a bad body, a mutation over GET. */
export function requestError(message: string, code = "BAD_REQUEST"): GraphQLFormattedError {
	return { message, extensions: { code } };
}

export type Phase = "parse" | "validate" | "execute";

export interface FormatOptions {
	phase: Phase;
	document?: DocumentNode;
	/** Called with server-side failures (masked or 5xx), so they can be logged. */
	onInternalError?: (err: GraphQLError) => void;
}

interface ArgumentIndex {
	/** Each value node inside an argument → the argument's name. */
	byNode: Map<ASTNode, string>;
	/** Each variable → the name of the (first) argument it is passed to. */
	byVariable: Map<string, string>;
}

function indexArguments(document: DocumentNode | undefined): ArgumentIndex {
	const index: ArgumentIndex = { byNode: new Map(), byVariable: new Map() };
	if (!document) return index;
	visit(document, {
		Argument(node) {
			const mark = (value: ASTNode) => {
				index.byNode.set(value, node.name.value);
				if (value.kind === Kind.VARIABLE && !index.byVariable.has(value.name.value)) index.byVariable.set(value.name.value, node.name.value);
				if (value.kind === Kind.LIST) value.values.forEach(mark);
				if (value.kind === Kind.OBJECT) value.fields.forEach(f => mark(f.value));
			};
			mark(node.value);
		},
	});
	return index;
}

/** The input an error is about: an argument's name, else a variable's. */
function fieldOf(error: GraphQLError, index: ArgumentIndex): string | undefined {
	const variable = /^Variable "\$([^"]+)"/.exec(error.message);
	if (variable) return index.byVariable.get(variable[1]) ?? variable[1];
	const argument = /^Argument "[^"(]*\((\w+):\)"/.exec(error.message);
	if (argument) return argument[1];
	for (const node of error.nodes ?? []) {
		const name = index.byNode.get(node);
		if (name) return name;
	}
	return undefined;
}

/** The error at the bottom of a chain of wrapped GraphQL errors: what to log. */
export function rootCause(error: Error): Error {
	let current: Error = error;
	while (current instanceof GraphQLError && current.originalError) current = current.originalError;
	return current;
}

function rootMessage(error: GraphQLError): string {
	return rootCause(error).message;
}

/** The response form of errors: every one with extensions.code, internal details masked. */
export function formatErrors(errors: ReadonlyArray<GraphQLError>, opts: FormatOptions): GraphQLFormattedError[] {
	const index = indexArguments(opts.document);
	return errors.map(error => {
		const json = error.toJSON();
		// A refused Money literal: graphql-js wraps the scalar's message; say it plainly.
		const formatted = opts.phase === "validate" && error.extensions?.type === MONEY_ERROR_TYPE ? { ...json, message: rootMessage(error) } : json;
		const extensions: Record<string, unknown> = { ...(formatted.extensions ?? {}) };
		const original = error.originalError;
		if (typeof extensions.code !== "string") {
			if (original && !(original instanceof GraphQLError) && opts.phase === "execute") {
				// A resolver failed in a way nobody planned for: log it, tell the client little.
				opts.onInternalError?.(error);
				return { message: "Internal server error.", ...(formatted.path ? { path: formatted.path } : {}), extensions: { code: "INTERNAL_SERVER_ERROR" } };
			}
			extensions.code =
				opts.phase === "parse"
					? "GRAPHQL_PARSE_FAILED"
					: opts.phase === "validate"
						? "GRAPHQL_VALIDATION_FAILED"
						: /^Variable "\$/.test(error.message)
							? "BAD_USER_INPUT"
							: "INTERNAL_SERVER_ERROR";
		}
		// Server-side failures (a 5xx from a service, or worse) belong in the gateway's log.
		if (extensions.code === "INTERNAL_SERVER_ERROR" || (typeof extensions.status === "number" && extensions.status >= 500)) opts.onInternalError?.(error);
		if (extensions.fields === undefined && (extensions.code === "BAD_USER_INPUT" || extensions.code === "GRAPHQL_VALIDATION_FAILED")) {
			const field = fieldOf(error, index);
			// The field's message is the plain one (a refused Money says why, without graphql-js's prefix).
			if (field) extensions.fields = [{ field, message: extensions.type === MONEY_ERROR_TYPE ? rootMessage(error) : formatted.message }];
		}
		return { ...formatted, extensions };
	});
}
