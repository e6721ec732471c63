/**
 * Turns raw message bytes into a typed, schema-checked CloudEvent, or a reason why not.
 * A consumer dead-letters anything this rejects; it never throws on bad input.
 */
import { Ajv } from "ajv";
import addFormatsModule, { type FormatsPlugin } from "ajv-formats";
import type { CloudEvent } from "./envelope.js";
import type { EventType } from "./event-types.js";
import { dataSchemas, envelopeSchema } from "./schemas.js";

// ajv-formats ships CommonJS; under NodeNext its default export is the module object.
const addFormats: FormatsPlugin = (addFormatsModule as unknown as { default: FormatsPlugin }).default ?? addFormatsModule;

const ajv = new Ajv({ allErrors: false, strict: true });
addFormats(ajv, ["uuid", "date-time"]);
const validateEnvelope = ajv.compile(envelopeSchema);
const validateData = Object.fromEntries(
	Object.entries(dataSchemas).map(([type, schema]) => [type, ajv.compile(schema)]),
) as Record<EventType, ReturnType<typeof ajv.compile>>;

export type ParseResult = { ok: true; event: CloudEvent } | { ok: false; reason: string };

function describe(errors: typeof validateEnvelope.errors, where: string): string {
	const first = errors?.[0];
	if (!first) return `${where} is invalid`;
	return `${where}${first.instancePath || ""} ${first.message ?? "is invalid"}`.trim();
}

/** Validates an already-built event; used by producers before writing to the outbox. */
export function checkEvent(event: unknown, acceptedTypes?: readonly string[]): ParseResult {
	if (!validateEnvelope(event)) return { ok: false, reason: describe(validateEnvelope.errors, "envelope") };
	const candidate = event as CloudEvent;
	if (acceptedTypes && !acceptedTypes.includes(candidate.type)) {
		return { ok: false, reason: `unexpected event type "${candidate.type}"` };
	}
	const validate = validateData[candidate.type as EventType];
	if (!validate) return { ok: false, reason: `unknown event type "${candidate.type}"` };
	if (!validate(candidate.data)) return { ok: false, reason: describe(validate.errors, "data") };
	return { ok: true, event: candidate };
}

export function parseEvent(raw: Buffer | string | null | undefined, acceptedTypes?: readonly string[]): ParseResult {
	if (raw === null || raw === undefined || raw.length === 0) return { ok: false, reason: "empty message" };
	let value: unknown;
	try {
		value = JSON.parse(typeof raw === "string" ? raw : raw.toString("utf8"));
	} catch (err) {
		return { ok: false, reason: `not valid JSON: ${(err as Error).message}` };
	}
	return checkEvent(value, acceptedTypes);
}
