/**
 * The GraphQL schema of the gateway. Resolvers hold no business logic: each one calls the same
 * Moleculer action as the matching REST route, with the caller's user id, so validation and rules
 * stay in the services. Errors from the services keep their details (see errors.ts).
 */
import {
	GraphQLEnumType,
	GraphQLID,
	GraphQLInt,
	GraphQLList,
	GraphQLNonNull,
	GraphQLObjectType,
	GraphQLSchema,
	GraphQLString,
	type GraphQLFieldConfig,
	type GraphQLFieldResolver,
	type GraphQLNullableType,
} from "graphql";
import { UUID_PATTERN } from "../action-params.js";
import { badUserInput, fromServiceError } from "./errors.js";
import { GraphQLMoney } from "./money-scalar.js";
import type { OrderUpdate, OrderUpdateHub } from "./order-updates.js";

/** What every resolver gets: who is calling, and a way to call the services. */
export interface GozonGraphQLContext {
	/** The caller's user id; throws an identity error when the request has none or a bad one. */
	userId(): string;
	/** Calls a Moleculer action (with the request's timeout and tracing). */
	call<T = unknown>(action: string, params: Record<string, unknown>): Promise<T>;
	/** This gateway instance's live order updates. */
	orderUpdates: OrderUpdateHub;
}

type Args = Record<string, unknown>;

/** Calls `action` as the caller, with only the arguments that were given. */
async function callAsUser<T>(ctx: GozonGraphQLContext, action: string, args: Args = {}): Promise<T> {
	try {
		const params: Args = { userId: ctx.userId() };
		for (const [name, value] of Object.entries(args)) if (value !== undefined && value !== null) params[name] = value;
		return await ctx.call<T>(action, params);
	} catch (err) {
		throw fromServiceError(err);
	}
}

const nonNull = <T extends GraphQLNullableType>(type: T) => new GraphQLNonNull(type);
const timestamp = (description: string) => ({ type: GraphQLString, description: `${description} (RFC 3339).` });

const AccountType = new GraphQLObjectType({
	name: "Account",
	description: "A user's payment account. Money is in minor units (kopecks).",
	fields: {
		userId: { type: nonNull(GraphQLID) },
		balance: { type: nonNull(GraphQLMoney), description: "Credits minus debits; never negative." },
		createdAt: timestamp("When the account was opened; set on createAccount"),
		updatedAt: timestamp("When the balance last changed; set when the account is read"),
	},
});

const DepositResultType = new GraphQLObjectType({
	name: "DepositResult",
	description: "The outcome of a top-up.",
	fields: { balance: { type: nonNull(GraphQLMoney), description: "The new balance." } },
});

const LedgerEntryTypeEnum = new GraphQLEnumType({
	name: "LedgerEntryType",
	values: { CREDIT: { description: "A top-up." }, DEBIT: { description: "The payment of an order." } },
});

const LedgerEntryType = new GraphQLObjectType({
	name: "LedgerEntry",
	description: "One movement of money on the account.",
	fields: {
		id: { type: nonNull(GraphQLID) },
		type: { type: nonNull(LedgerEntryTypeEnum) },
		amount: { type: nonNull(GraphQLMoney) },
		orderId: { type: GraphQLID, description: "The order a DEBIT paid for." },
		createdAt: { ...timestamp("When the entry was written"), type: nonNull(GraphQLString) },
	},
});

const OrderStatusEnum = new GraphQLEnumType({
	name: "OrderStatus",
	values: {
		NEW: { description: "Placed; payment is under way." },
		FINISHED: { description: "Paid. Final." },
		CANCELED: { description: "Not paid; see reason. Final." },
	},
});

const OrderType = new GraphQLObjectType({
	name: "Order",
	fields: {
		id: { type: nonNull(GraphQLID) },
		userId: { type: nonNull(GraphQLID) },
		amount: { type: nonNull(GraphQLMoney) },
		description: { type: nonNull(GraphQLString) },
		status: { type: nonNull(OrderStatusEnum) },
		reason: { type: GraphQLString, description: "Why a CANCELED order was not paid: ACCOUNT_NOT_FOUND or INSUFFICIENT_FUNDS." },
		createdAt: { ...timestamp("When the order was placed"), type: nonNull(GraphQLString) },
		updatedAt: { ...timestamp("When the status last changed"), type: nonNull(GraphQLString) },
	},
});

const OrderPageType = new GraphQLObjectType({
	name: "OrderPage",
	description: "One page of the user's orders, newest first.",
	fields: {
		rows: { type: nonNull(new GraphQLList(nonNull(OrderType))) },
		total: { type: nonNull(GraphQLInt) },
		page: { type: nonNull(GraphQLInt) },
		pageSize: { type: nonNull(GraphQLInt) },
		totalPages: { type: nonNull(GraphQLInt) },
	},
});

type Field = GraphQLFieldConfig<unknown, GozonGraphQLContext, any>;

const resolveAs =
	(action: string, pick: (args: any) => Args = args => args): GraphQLFieldResolver<unknown, GozonGraphQLContext, any> =>
	(_source, args, ctx) =>
		callAsUser(ctx, action, pick(args));

const idempotencyKeyArg = {
	type: GraphQLString,
	description: "Makes a retry safe: the same key from the same user returns the first result and has no second effect (1 to 200 visible ASCII characters).",
};

const queryFields: Record<string, Field> = {
	me: {
		type: AccountType,
		description: "The caller's account, or null when they have not opened one yet.",
		async resolve(_source, _args, ctx) {
			try {
				return await callAsUser(ctx, "payments.getAccount");
			} catch (err) {
				if ((err as { extensions?: { code?: unknown } }).extensions?.code === "NOT_FOUND") return null;
				throw err;
			}
		},
	},
	balance: {
		type: nonNull(GraphQLMoney),
		description: "The caller's balance. NOT_FOUND when they have no account.",
		async resolve(_source, _args, ctx) {
			return (await callAsUser<{ balance: number }>(ctx, "payments.getAccount")).balance;
		},
	},
	ledger: {
		type: nonNull(new GraphQLList(nonNull(LedgerEntryType))),
		description: "The caller's ledger (top-ups and payments), newest first. NOT_FOUND when they have no account.",
		args: { limit: { type: GraphQLInt, description: "At most this many entries (1 to 1000, default 100)." } },
		resolve: resolveAs("payments.listTransactions"),
	},
	orders: {
		type: nonNull(OrderPageType),
		description: "The caller's orders, newest first.",
		args: {
			page: { type: GraphQLInt, description: "1-based page number (default 1)." },
			pageSize: { type: GraphQLInt, description: "Orders per page, 1 to 100 (default 20)." },
		},
		resolve: resolveAs("orders.list"),
	},
	order: {
		type: nonNull(OrderType),
		description: "One of the caller's orders. NOT_FOUND for an unknown id and for another user's order alike.",
		args: { id: { type: nonNull(GraphQLID) } },
		resolve: resolveAs("orders.get"),
	},
};

const mutationFields: Record<string, Field> = {
	createAccount: {
		type: nonNull(AccountType),
		description: "Opens the caller's account with a zero balance. CONFLICT when they already have one.",
		resolve: resolveAs("payments.createAccount", () => ({})),
	},
	deposit: {
		type: nonNull(DepositResultType),
		description: "Tops the caller's account up. NOT_FOUND when they have no account.",
		args: { amount: { type: nonNull(GraphQLMoney) }, idempotencyKey: idempotencyKeyArg },
		resolve: resolveAs("payments.deposit"),
	},
	createOrder: {
		type: nonNull(OrderType),
		description: "Places an order (status NEW); it is paid asynchronously — subscribe to orderUpdated to see it settle.",
		args: {
			amount: { type: nonNull(GraphQLMoney) },
			description: { type: nonNull(GraphQLString), description: "1 to 500 characters." },
			idempotencyKey: idempotencyKeyArg,
		},
		resolve: resolveAs("orders.create"),
	},
};

const subscriptionFields: Record<string, Field> = {
	orderUpdated: {
		type: nonNull(OrderType),
		description:
			"The caller's orders as their status changes (NEW → FINISHED or CANCELED), pushed live over the WebSocket. " +
			"Give `id` to follow one order only.",
		args: { id: { type: GraphQLID, description: "Only this order." } },
		subscribe(_source, args: { id?: string | null }, ctx) {
			let userId: string;
			try {
				userId = ctx.userId();
			} catch (err) {
				throw fromServiceError(err);
			}
			if (args.id != null && !UUID_PATTERN.test(args.id)) throw badUserInput("id", "The 'id' argument must be a UUID.");
			return ctx.orderUpdates.subscribe(userId, args.id ?? undefined);
		},
		resolve: (update: unknown) => update as OrderUpdate,
	},
};

export function buildGozonSchema(): GraphQLSchema {
	return new GraphQLSchema({
		description: "Gozon: accounts, top-ups and orders paid asynchronously, with live order status.",
		query: new GraphQLObjectType({ name: "Query", fields: queryFields }),
		mutation: new GraphQLObjectType({ name: "Mutation", fields: mutationFields }),
		subscription: new GraphQLObjectType({ name: "Subscription", fields: subscriptionFields }),
	});
}
