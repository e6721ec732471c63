/**
 * Money is an integer number of minor units (kopecks). Amounts travel as JSON numbers, so the
 * largest balance an account may hold is bounded by JavaScript's exact-integer range.
 */
export const MIN_AMOUNT = 1;
export const MAX_AMOUNT = 1_000_000_000_000;
export const MAX_BALANCE = Number.MAX_SAFE_INTEGER;

export function isValidAmount(value: unknown): value is number {
	return typeof value === "number" && Number.isInteger(value) && value >= MIN_AMOUNT && value <= MAX_AMOUNT;
}

/** fastest-validator rule shared by every action that takes an amount. */
export const amountRule = {
	type: "number",
	integer: true,
	min: MIN_AMOUNT,
	max: MAX_AMOUNT,
	convert: false,
	messages: {
		number: "The 'amount' field must be an integer number of minor units.",
		numberInteger: "The 'amount' field must be an integer number of minor units.",
		numberMin: `The 'amount' field must be at least ${MIN_AMOUNT}.`,
		numberMax: `The 'amount' field must be at most ${MAX_AMOUNT}.`,
	},
} as const;
