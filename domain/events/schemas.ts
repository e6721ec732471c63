/**
 * JSON Schemas of the event envelope and of each event type's data. Producers validate before a
 * row enters the outbox; consumers validate every message before it reaches the inbox.
 */
import { MAX_AMOUNT, MIN_AMOUNT } from "../money.js";
import { DESCRIPTION_MAX, DESCRIPTION_PATTERN } from "../orders/description.js";
import { ORDER_CREATED, PAYMENT_FAILED, PAYMENT_SUCCEEDED, type EventType } from "./event-types.js";

const uuid = { type: "string", format: "uuid" } as const;
const amount = { type: "integer", minimum: MIN_AMOUNT, maximum: MAX_AMOUNT } as const;

export const envelopeSchema = {
	$id: "gozon/envelope",
	type: "object",
	required: ["specversion", "id", "source", "type", "time", "subject", "datacontenttype", "data"],
	properties: {
		specversion: { const: "1.0" },
		id: uuid,
		source: { type: "string", minLength: 1, maxLength: 200 },
		type: { type: "string", minLength: 1, maxLength: 200 },
		time: { type: "string", format: "date-time" },
		subject: { type: "string", minLength: 1, maxLength: 200 },
		datacontenttype: { const: "application/json" },
		data: { type: "object" },
	},
	additionalProperties: true,
} as const;

export const dataSchemas: Record<EventType, object> = {
	[ORDER_CREATED]: {
		$id: ORDER_CREATED,
		type: "object",
		required: ["orderId", "userId", "amount", "description"],
		properties: {
			orderId: uuid,
			userId: uuid,
			amount,
			description: { type: "string", maxLength: DESCRIPTION_MAX, pattern: DESCRIPTION_PATTERN.source },
		},
		additionalProperties: false,
	},
	[PAYMENT_SUCCEEDED]: {
		$id: PAYMENT_SUCCEEDED,
		type: "object",
		required: ["orderId", "userId", "amount"],
		properties: { orderId: uuid, userId: uuid, amount },
		additionalProperties: false,
	},
	[PAYMENT_FAILED]: {
		$id: PAYMENT_FAILED,
		type: "object",
		required: ["orderId", "userId", "amount", "reason"],
		properties: {
			orderId: uuid,
			userId: uuid,
			amount,
			reason: { enum: ["ACCOUNT_NOT_FOUND", "INSUFFICIENT_FUNDS"] },
		},
		additionalProperties: false,
	},
};
