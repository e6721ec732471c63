/**
 * GraphQL over HTTP for the page: one POST per operation, with the user's identity header.
 * A response with errors becomes an ApiError carrying the server's message, code and fields.
 */

export class ApiError extends Error {
	/**
	 * @param {string} message the server's message
	 * @param {{code?: string, type?: string, fields?: {field: string, message: string}[], status?: number}} [details]
	 */
	constructor(message, details = {}) {
		super(message);
		this.name = "ApiError";
		this.code = details.code ?? "ERROR";
		this.type = details.type;
		this.fields = details.fields ?? [];
		this.status = details.status;
	}
}

/** Turns a GraphQL error list into one ApiError (the first error; the others' messages appended). */
export function toApiError(errors) {
	const [first, ...rest] = errors;
	const ext = first.extensions ?? {};
	const message = [first.message, ...rest.map(e => e.message)].filter((m, i, all) => all.indexOf(m) === i).join(" ");
	return new ApiError(message, { code: ext.code, type: ext.type, fields: ext.fields, status: ext.status });
}

/**
 * Runs a query or mutation as `userId`.
 * @returns {Promise<any>} the `data` of the response
 */
export async function gql(userId, query, variables = {}) {
	let res;
	try {
		res = await fetch("/graphql", {
			method: "POST",
			headers: { "Content-Type": "application/json", Accept: "application/json", "X-User-Id": userId },
			body: JSON.stringify({ query, variables }),
		});
	} catch {
		throw new ApiError("The server cannot be reached. Check your connection and try again.", { code: "NETWORK_ERROR" });
	}
	let body;
	try {
		body = await res.json();
	} catch {
		throw new ApiError(`The server answered ${res.status} ${res.statusText} without a readable body.`, { code: "BAD_RESPONSE", status: res.status });
	}
	if (body.errors?.length) throw toApiError(body.errors);
	if (!res.ok) throw new ApiError(`The server answered ${res.status} ${res.statusText}.`, { code: "HTTP_ERROR", status: res.status });
	return body.data;
}
