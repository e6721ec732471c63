/**
 * `Money`: an integer number of minor units (kopecks). GraphQL's Int is 32-bit, too small for
 * amounts up to 10^12, so Money is a custom scalar. As input it takes an integer literal or a JSON
 * number in the REST range [MIN_AMOUNT, MAX_AMOUNT] and nothing else: fractions, strings,
 * booleans and out-of-range numbers fail with a BAD_USER_INPUT error before any resolver runs.
 * As output it is any non-negative safe integer (a balance may exceed one deposit's maximum).
 */
import { GraphQLError, GraphQLScalarType, Kind, type ConstValueNode } from "graphql";
import { MAX_AMOUNT, MIN_AMOUNT } from "../../domain/money.js";

export const MONEY_ERROR_TYPE = "INVALID_MONEY";

const RULE = `an integer number of minor units from ${MIN_AMOUNT} to ${MAX_AMOUNT}`;
const EXTENSIONS = { code: "BAD_USER_INPUT", type: MONEY_ERROR_TYPE } as const;

/**
 * A refused literal. A plain Error rather than a GraphQLError, so that graphql-js attaches the
 * literal's location to the validation error it reports; the extensions travel along with it.
 */
export class MoneyLiteralError extends Error {
	readonly extensions = EXTENSIONS;
}

type Fail = (detail: string) => Error;

const failValue: Fail = detail => new GraphQLError(`Money must be ${RULE}; ${detail}.`, { extensions: EXTENSIONS });
const failLiteral: Fail = detail => new MoneyLiteralError(`Money must be ${RULE}; ${detail}.`);

function describe(value: unknown): string {
	if (typeof value === "string") return `got the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
	if (typeof value === "number") return `got ${value}`;
	if (value === null) return "got null";
	return `got ${Array.isArray(value) ? "a list" : typeof value === "object" ? "an object" : `a ${typeof value}`}`;
}

function checkRange(value: number, fail: Fail): number {
	if (!Number.isInteger(value)) throw fail(`got ${value}, which is not a whole number`);
	if (value < MIN_AMOUNT) throw fail(`got ${value}, which is below ${MIN_AMOUNT}`);
	if (value > MAX_AMOUNT) throw fail(`got ${value}, which is above ${MAX_AMOUNT}`);
	return value;
}

/** Coerces a variable's JSON value. */
export function coerceMoneyValue(value: unknown): number {
	if (typeof value !== "number" || !Number.isFinite(value)) throw failValue(describe(value));
	return checkRange(value, failValue);
}

/** Coerces a literal written in the document. */
export function coerceMoneyLiteral(node: ConstValueNode): number {
	const fail = failLiteral;
	switch (node.kind) {
		case Kind.INT: {
			// The grammar puts no bound on an Int literal: compare digits before converting, so a
			// 30-digit literal cannot round into range.
			if (node.value.startsWith("-")) throw fail(`got ${node.value}, which is below ${MIN_AMOUNT}`);
			const digits = node.value.replace(/^0+(?=\d)/, "");
			if (digits.length > String(MAX_AMOUNT).length) throw fail(`got ${node.value}, which is above ${MAX_AMOUNT}`);
			return checkRange(Number(digits), fail);
		}
		case Kind.FLOAT:
			throw fail(`got ${node.value}, which is not a whole number`);
		case Kind.STRING:
			throw fail(describe(node.value));
		case Kind.BOOLEAN:
		case Kind.ENUM:
			throw fail(`got ${String(node.value)}`);
		case Kind.NULL:
			throw fail("got null");
		case Kind.LIST:
			throw fail("got a list");
		default:
			throw fail("got an object");
	}
}

/** Output: a balance or an amount. */
export function serializeMoney(value: unknown): number {
	const n = typeof value === "bigint" ? Number(value) : typeof value === "string" && /^\d+$/.test(value) ? Number(value) : value;
	if (typeof n !== "number" || !Number.isSafeInteger(n) || n < 0) {
		throw new GraphQLError(`Money cannot represent ${String(value)}: not a non-negative safe integer.`);
	}
	return n;
}

export const GraphQLMoney = new GraphQLScalarType<number, number>({
	name: "Money",
	description:
		`An amount in minor units (kopecks), a JSON integer. As an argument it must be ${RULE}; ` +
		"fractions, strings and out-of-range values are refused with extensions.code BAD_USER_INPUT. " +
		"Balances are reported the same way and may exceed the per-operation maximum.",
	coerceOutputValue: serializeMoney,
	coerceInputValue: coerceMoneyValue,
	coerceInputLiteral: coerceMoneyLiteral,
	valueToLiteral: value => (typeof value === "number" && Number.isSafeInteger(value) ? { kind: Kind.INT, value: String(value) } : undefined),
});
