import { defineEntity, p } from "@mikro-orm/core";

/**
 * One account per user. `version` is the optimistic lock: every flush that changes the balance
 * checks it, so two writers can never both act on the same old balance.
 */
export const AccountSchema = defineEntity({
	name: "Account",
	tableName: "accounts",
	properties: {
		userId: p.uuid().primary(),
		balance: p.bigint("number").default(0),
		version: p.integer().version(),
		createdAt: p.datetime().onCreate(() => new Date()),
		updatedAt: p.datetime().onCreate(() => new Date()).onUpdate(() => new Date()),
	},
});

export class Account extends AccountSchema.class {}
AccountSchema.setClass(Account);
