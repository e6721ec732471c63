/** fastest-validator rules shared by the services' public actions. */
export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function uuidRule(field: string) {
	return {
		type: "string",
		pattern: UUID_PATTERN,
		messages: {
			string: `The '${field}' field must be a UUID.`,
			stringPattern: `The '${field}' field must be a UUID.`,
			required: `The '${field}' field is required.`,
		},
	} as const;
}

/** The caller's identity; the gateway sets it from X-User-Id (or the JWT). */
export const userIdRule = uuidRule("userId");

export const idempotencyKeyRule = {
	type: "string",
	optional: true,
	min: 1,
	max: 200,
	pattern: /^[\x21-\x7e]+$/,
	messages: {
		string: "The 'Idempotency-Key' header must be 1 to 200 visible ASCII characters.",
		stringMin: "The 'Idempotency-Key' header must be 1 to 200 visible ASCII characters.",
		stringMax: "The 'Idempotency-Key' header must be 1 to 200 visible ASCII characters.",
		stringPattern: "The 'Idempotency-Key' header must be 1 to 200 visible ASCII characters.",
	},
} as const;

export function pageRule(field: string, max: number, fallback: number) {
	return {
		type: "number",
		integer: true,
		min: 1,
		max,
		optional: true,
		default: fallback,
		convert: true,
		messages: {
			number: `The '${field}' field must be an integer.`,
			numberInteger: `The '${field}' field must be an integer.`,
			numberMin: `The '${field}' field must be at least 1.`,
			numberMax: `The '${field}' field must be at most ${max}.`,
		},
	} as const;
}
