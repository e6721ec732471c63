import { defineEntity, p } from "@mikro-orm/core";

export const LEDGER_TYPES = ["CREDIT", "DEBIT"] as const;

/** One row per credit (top-up) and per debit (order payment); the balance is their sum. */
export const LedgerEntrySchema = defineEntity({
	name: "LedgerEntry",
	tableName: "ledger_entries",
	properties: {
		id: p.uuid().primary(),
		userId: p.uuid(),
		type: p.enum(LEDGER_TYPES),
		amount: p.bigint("number"),
		orderId: p.uuid().nullable(),
		createdAt: p.datetime().onCreate(() => new Date()),
	},
});

export class LedgerEntry extends LedgerEntrySchema.class {}
LedgerEntrySchema.setClass(LedgerEntry);

export function toLedgerView(entry: LedgerEntry) {
	return {
		id: entry.id,
		type: entry.type,
		amount: entry.amount,
		...(entry.orderId ? { orderId: entry.orderId } : {}),
		createdAt: entry.createdAt.toISOString(),
	};
}
