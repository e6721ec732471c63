/**
 * An order's description: 1 to 500 characters of text. Control characters other than tab and
 * newline are refused: PostgreSQL cannot store NUL in text, and none of them belongs in a
 * description anyway.
 */
export const DESCRIPTION_MAX = 500;
export const DESCRIPTION_PATTERN = /^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]*$/;

/** fastest-validator rule for the description parameter. */
export const descriptionRule = {
	type: "string",
	min: 1,
	max: DESCRIPTION_MAX,
	trim: true,
	pattern: DESCRIPTION_PATTERN,
	messages: {
		string: "The 'description' field must be a string.",
		stringMin: "The 'description' field must not be empty.",
		stringMax: `The 'description' field must be at most ${DESCRIPTION_MAX} characters.`,
		stringPattern: "The 'description' field must not contain control characters.",
	},
} as const;
