/**
 * One shape for every error the gateway sends: `{name, message, code, type, data}` with `data`
 * naming the offending fields. Client errors keep their details; anything else becomes a bare
 * 500 or 503 so no stack trace, SQL or internal name ever reaches a client.
 */
export interface ErrorBody {
	name: string;
	message: string;
	code: number;
	type: string;
	data: { field: string; message: string; type?: string }[];
}

interface AnyError {
	name?: string;
	message?: string;
	code?: unknown;
	status?: unknown;
	type?: unknown;
	data?: unknown;
}

function fieldsOf(data: unknown): ErrorBody["data"] {
	if (!Array.isArray(data)) return [];
	return data
		.flatMap(d => {
			// fastest-validator names forbidden keys in `actual`, not `field`: one entry per key.
			if (d?.type !== "objectStrict" || typeof d.actual !== "string") return [d];
			return d.actual.split(",").map((field: string) => ({
				field: field.trim(),
				message: `The '${field.trim()}' field is not allowed.`,
				type: "objectStrict",
			}));
		})
		.filter((d): d is { field: unknown; message?: unknown; type?: unknown } => typeof d === "object" && d !== null && "field" in d)
		.map(d => ({
			field: String(d.field),
			message: String(d.message ?? "is invalid"),
			...(d.type ? { type: String(d.type) } : {}),
		}));
}

/** body-parser's error types, as raised for a bad request body. */
const BODY_ERRORS: Record<string, { type: string; message: string }> = {
	"entity.parse.failed": { type: "INVALID_JSON", message: "The request body is not valid JSON." },
	"entity.too.large": { type: "PAYLOAD_TOO_LARGE", message: "The request body is too large." },
	"encoding.unsupported": { type: "UNSUPPORTED_ENCODING", message: "The request body's encoding is not supported." },
	"charset.unsupported": { type: "UNSUPPORTED_CHARSET", message: "The request body's charset is not supported." },
	"request.aborted": { type: "REQUEST_ABORTED", message: "The request was aborted." },
	"request.size.invalid": { type: "INVALID_BODY_SIZE", message: "The request body's size does not match Content-Length." },
};

export function toErrorResponse(err: unknown): ErrorBody {
	const e = (err ?? {}) as AnyError;
	const bodyError = typeof e.type === "string" ? BODY_ERRORS[e.type] : undefined;
	if (bodyError) {
		const code = typeof e.status === "number" ? e.status : typeof e.code === "number" ? e.code : 400;
		return { name: code === 413 ? "PayloadTooLargeError" : "BadRequestError", message: bodyError.message, code, type: bodyError.type, data: [{ field: "body", message: bodyError.message }] };
	}
	const code = typeof e.code === "number" ? e.code : typeof e.status === "number" ? e.status : 500;
	// fastest-validator reports 422; the contract says bad input is 400.
	if (e.type === "VALIDATION_ERROR") {
		const data = fieldsOf(e.data);
		return {
			name: "ValidationError",
			message: data.length > 0 ? data.map(d => d.message).join(" ") : (e.message ?? "Invalid request."),
			code: 400,
			type: "VALIDATION_ERROR",
			data,
		};
	}
	// No instance of the service is up right now: the dependency is down, not the request wrong.
	if (e.name === "ServiceNotAvailableError" || e.name === "ServiceNotFoundError") {
		return { name: "ServiceUnavailableError", message: "A service is unavailable; try again.", code: 503, type: "SERVICE_UNAVAILABLE", data: [] };
	}
	if (e.name === "RateLimitExceeded" || code === 429) {
		return { name: "RateLimitExceeded", message: "Too many requests; slow down and try again.", code: 429, type: "RATE_LIMIT_EXCEEDED", data: [] };
	}
	if (code >= 400 && code < 500) {
		return { name: e.name ?? "ClientError", message: e.message ?? "Bad request.", code, type: String(e.type ?? "CLIENT_ERROR"), data: fieldsOf(e.data) };
	}
	if (code === 503 || code === 504 || e.name === "RequestTimeoutError" || e.name === "ServiceNotAvailableError") {
		return {
			name: "ServiceUnavailableError",
			message: e.name === "RequestTimeoutError" ? "A service did not answer in time; try again." : (typeof e.message === "string" && code === 503 ? e.message : "A service is unavailable; try again."),
			code: 503,
			type: typeof e.type === "string" && code === 503 ? e.type : "SERVICE_UNAVAILABLE",
			data: [],
		};
	}
	return { name: "InternalServerError", message: "Internal server error.", code: 500, type: "INTERNAL_ERROR", data: [] };
}
