/**
 * The OpenAPI 3.1 description of Gozon's REST API, served at /api/openapi.json and shown by
 * Swagger UI at /api/docs. It describes the contract in docs/DESIGN.md; the integration tests
 * check it covers every route the gateway maps.
 */
import { MAX_AMOUNT, MIN_AMOUNT } from "../../domain/money.js";

const json = (schema: object, example?: unknown, examples?: Record<string, { summary: string; value: unknown }>) => ({
	"application/json": { schema, ...(example !== undefined ? { example } : {}), ...(examples ? { examples } : {}) },
});
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const errorRef = (name: string) => ({ $ref: `#/components/responses/${name}` });

const USER = "5f0c7a3e-2b1d-4c8e-9a7f-3d2e1b0c9a8f";
const ORDER = "9b2d4f6a-8c1e-4a3b-b5d7-1e9f0a2c4b6d";
const NOW = "2026-11-21T12:00:00.000Z";

const orderExample = {
	id: ORDER,
	userId: USER,
	amount: 2500,
	description: "A book",
	status: "FINISHED",
	reason: null,
	createdAt: NOW,
	updatedAt: "2026-11-21T12:00:00.120Z",
};

function errorExample(name: string, message: string, code: number, type: string, data: { field: string; message: string; type?: string }[] = []) {
	return { name, message, code, type, data };
}

/** Ready-made error responses, each with its examples. */
const responses = {
	BadRequest: {
		description: "Bad input: the body names each offending field in `data`. Nothing was changed.",
		content: json(ref("Error"), undefined, {
			badAmount: {
				summary: "A fractional amount",
				value: errorExample("ValidationError", "The 'amount' field must be an integer number of minor units.", 400, "VALIDATION_ERROR", [
					{ field: "amount", message: "The 'amount' field must be an integer number of minor units.", type: "numberInteger" },
				]),
			},
			badUserId: {
				summary: "X-User-Id is not a UUID",
				value: errorExample("ValidationError", "The X-User-Id header must be a UUID.", 400, "INVALID_USER_ID", [
					{ field: "X-User-Id", message: "The X-User-Id header must be a UUID." },
				]),
			},
			badJson: {
				summary: "The body is not JSON",
				value: errorExample("BadRequestError", "The request body is not valid JSON.", 400, "INVALID_JSON", [
					{ field: "body", message: "The request body is not valid JSON." },
				]),
			},
		}),
	},
	Unauthorized: {
		description: "No identity: X-User-Id missing (or, when JWT is configured, the bearer token missing or invalid).",
		content: json(
			ref("Error"),
			errorExample("UnauthorizedError", "The X-User-Id header is required.", 401, "NO_USER_ID", [{ field: "X-User-Id", message: "The X-User-Id header is required." }]),
		),
	},
	AccountNotFound: {
		description: "The user has no account.",
		content: json(ref("Error"), errorExample("MoleculerClientError", "This user has no account.", 404, "ACCOUNT_NOT_FOUND")),
	},
	Unprocessable: {
		description: "Well-formed but refused: the Idempotency-Key was used before with other parameters, or a limit would be exceeded.",
		content: json(ref("Error"), undefined, {
			keyReused: {
				summary: "Idempotency-Key reused with a different request",
				value: errorExample("MoleculerClientError", "This Idempotency-Key was already used for a different request.", 422, "IDEMPOTENCY_KEY_REUSED", [
					{ field: "Idempotency-Key", message: "The key was already used with other parameters." },
				]),
			},
		}),
	},
	PayloadTooLarge: {
		description: "The request body is too large.",
		content: json(
			ref("Error"),
			errorExample("PayloadTooLargeError", "The request body is too large.", 413, "PAYLOAD_TOO_LARGE", [{ field: "body", message: "The request body is too large." }]),
		),
	},
	ServiceUnavailable: {
		description: "A service behind the gateway is down or did not answer in time; retry (with the same Idempotency-Key).",
		content: json(ref("Error"), errorExample("ServiceUnavailableError", "A service is unavailable; try again.", 503, "SERVICE_UNAVAILABLE")),
	},
};

const idempotencyKey = {
	name: "Idempotency-Key",
	in: "header",
	required: false,
	description:
		"Makes a retry safe: the same key from the same user returns the first result and has no second effect. " +
		"Reusing a key with different parameters is a 422.",
	schema: { type: "string", minLength: 1, maxLength: 200, pattern: "^[\\x21-\\x7e]+$" },
	example: "7d3c2a10-order-42",
};

const userScoped = (op: Record<string, unknown>, extraErrors: Record<string, unknown> = {}) => ({
	...op,
	responses: {
		...(op.responses as object),
		"400": errorRef("BadRequest"),
		"401": errorRef("Unauthorized"),
		...extraErrors,
		"503": errorRef("ServiceUnavailable"),
	},
});

export function buildOpenApiDocument(): Record<string, unknown> {
	return {
		openapi: "3.1.0",
		info: {
			title: "Gozon REST API",
			version: "1.0.0",
			description: [
				"Accounts, top-ups and orders for an online shop. An order is paid **asynchronously** and exactly once: it is",
				"created `NEW` and becomes `FINISHED` (paid) or `CANCELED` (with a `reason`). Watch it with `GET /api/orders/{id}`,",
				"or live through the GraphQL subscription `orderUpdated` at `/graphql` (WebSocket, graphql-ws protocol; GraphiQL",
				"at the same address in a browser).",
				"",
				`**Money** is an integer number of minor units (kopecks): ${MIN_AMOUNT} ≤ amount ≤ ${MAX_AMOUNT}. Anything else`,
				"(0, negative, fractional, a string, missing, too large) is a 400 that names the field and changes nothing.",
				"",
				"**Identity**: every user-scoped request carries `X-User-Id: <uuid>`. When the server has a JWT secret",
				"(AUTH_JWT_SECRET), `Authorization: Bearer <jwt>` (HS256, `sub` = the user id) is required instead.",
				"",
				"**Errors** are JSON `{name, message, code, type, data}`: `code` is the HTTP status, `type` a stable reason",
				"(e.g. `ACCOUNT_NOT_FOUND`), `data` lists `{field, message}` for each bad input.",
			].join("\n"),
			license: { name: "MIT", identifier: "MIT" },
		},
		servers: [{ url: "/", description: "This gateway" }],
		tags: [
			{ name: "Accounts", description: "The user's payment account: open, top up, balance, ledger." },
			{ name: "Orders", description: "Place orders and follow their payment." },
			{ name: "Operations", description: "Liveness and readiness probes." },
		],
		security: [{ userId: [] }, { bearerAuth: [] }],
		paths: {
			"/api/accounts": {
				post: userScoped(
					{
						tags: ["Accounts"],
						operationId: "createAccount",
						summary: "Open the caller's account",
						description: "Opens an account with a zero balance. A user has at most one account.",
						responses: {
							"201": {
								description: "The account was opened.",
								headers: { Location: { description: "Where to read the account.", schema: { type: "string", example: "/api/accounts/me" } } },
								content: json(ref("CreatedAccount"), { userId: USER, balance: 0, createdAt: NOW }),
							},
						},
					},
					{
						"409": {
							description: "The user already has an account.",
							content: json(ref("Error"), errorExample("MoleculerClientError", "This user already has an account.", 409, "ACCOUNT_EXISTS")),
						},
					},
				),
			},
			"/api/accounts/me": {
				get: userScoped(
					{
						tags: ["Accounts"],
						operationId: "getAccount",
						summary: "The caller's balance",
						responses: { "200": { description: "The account.", content: json(ref("Account"), { userId: USER, balance: 97500, updatedAt: NOW }) } },
					},
					{ "404": errorRef("AccountNotFound") },
				),
			},
			"/api/accounts/me/deposits": {
				post: userScoped(
					{
						tags: ["Accounts"],
						operationId: "deposit",
						summary: "Top the caller's account up",
						parameters: [idempotencyKey],
						requestBody: {
							required: true,
							content: json(ref("DepositRequest"), { amount: 100000 }),
						},
						responses: { "200": { description: "The new balance.", content: json(ref("Balance"), { balance: 100000 }) } },
					},
					{ "404": errorRef("AccountNotFound"), "413": errorRef("PayloadTooLarge"), "422": errorRef("Unprocessable") },
				),
			},
			"/api/accounts/me/transactions": {
				get: userScoped(
					{
						tags: ["Accounts"],
						operationId: "listTransactions",
						summary: "The caller's ledger, newest first",
						description: "Every CREDIT (top-up) and DEBIT (order payment). The balance is credits minus debits.",
						parameters: [
							{
								name: "limit",
								in: "query",
								required: false,
								description: "At most this many entries.",
								schema: { type: "integer", minimum: 1, maximum: 1000, default: 100 },
							},
						],
						responses: {
							"200": {
								description: "Ledger entries, newest first.",
								content: json({ type: "array", items: ref("LedgerEntry") }, [
									{ id: "1e0b6c4a-3f2d-4b5e-8a9c-7d6e5f4a3b2c", type: "DEBIT", amount: 2500, orderId: ORDER, createdAt: NOW },
									{ id: "0a9b8c7d-6e5f-4a3b-9c2d-1e0f9a8b7c6d", type: "CREDIT", amount: 100000, createdAt: "2026-11-21T11:59:00.000Z" },
								]),
							},
						},
					},
					{ "404": errorRef("AccountNotFound") },
				),
			},
			"/api/orders": {
				post: userScoped(
					{
						tags: ["Orders"],
						operationId: "createOrder",
						summary: "Place an order",
						description:
							"Creates the order with status NEW and returns at once; payment follows asynchronously. " +
							"A user without an account, or without enough money, gets the order CANCELED with a reason.",
						parameters: [idempotencyKey],
						requestBody: { required: true, content: json(ref("CreateOrderRequest"), { amount: 2500, description: "A book" }) },
						responses: {
							"201": {
								description: "The order was placed (status NEW).",
								headers: { Location: { description: "Where to follow the order.", schema: { type: "string", example: `/api/orders/${ORDER}` } } },
								content: json(ref("Order"), { ...orderExample, status: "NEW", updatedAt: NOW }),
							},
						},
					},
					{ "413": errorRef("PayloadTooLarge"), "422": errorRef("Unprocessable") },
				),
				get: userScoped({
					tags: ["Orders"],
					operationId: "listOrders",
					summary: "The caller's orders, newest first",
					parameters: [
						{ name: "page", in: "query", required: false, description: "1-based page number.", schema: { type: "integer", minimum: 1, maximum: 1000000, default: 1 } },
						{ name: "pageSize", in: "query", required: false, description: "Orders per page.", schema: { type: "integer", minimum: 1, maximum: 100, default: 20 } },
					],
					responses: {
						"200": {
							description: "One page of orders.",
							content: json(ref("OrderPage"), { rows: [orderExample], total: 1, page: 1, pageSize: 20, totalPages: 1 }),
						},
					},
				}),
			},
			"/api/orders/{id}": {
				get: userScoped(
					{
						tags: ["Orders"],
						operationId: "getOrder",
						summary: "One of the caller's orders",
						parameters: [{ name: "id", in: "path", required: true, schema: { type: "string", format: "uuid" }, example: ORDER }],
						responses: { "200": { description: "The order.", content: json(ref("Order"), orderExample) } },
					},
					{
						"404": {
							description: "No such order — or another user's order, which is indistinguishable from a missing one.",
							content: json(ref("Error"), errorExample("MoleculerClientError", `Order ${ORDER} not found.`, 404, "ORDER_NOT_FOUND")),
						},
					},
				),
			},
			"/api/health": {
				get: {
					tags: ["Operations"],
					operationId: "health",
					summary: "Liveness: the gateway process answers",
					security: [],
					responses: {
						"200": {
							description: "Alive.",
							content: json(ref("Health"), { status: "ok", nodeID: "gateway-1", uptimeSeconds: 42 }),
						},
					},
				},
			},
			"/api/ready": {
				get: {
					tags: ["Operations"],
					operationId: "ready",
					summary: "Readiness: transporter, databases and event log reachable",
					security: [],
					responses: {
						"200": {
							description: "Everything is reachable.",
							content: json(ref("Readiness"), {
								status: "ready",
								down: [],
								checks: { transporter: { ok: true, kind: "NATS" }, orders: { ok: true }, payments: { ok: true } },
							}),
						},
						"503": {
							description: "Something is down; `down` names it.",
							content: json(ref("Readiness"), {
								status: "unavailable",
								down: ["payments"],
								checks: { transporter: { ok: true, kind: "NATS" }, orders: { ok: true }, payments: { ok: false, error: "Service 'payments.health' is not available." } },
							}),
						},
					},
				},
			},
		},
		components: {
			securitySchemes: {
				userId: {
					type: "apiKey",
					in: "header",
					name: "X-User-Id",
					description: "The caller's user id (a UUID). Used when the server has no JWT secret.",
				},
				bearerAuth: {
					type: "http",
					scheme: "bearer",
					bearerFormat: "JWT",
					description: "HS256 JWT whose `sub` is the user id. Required (and X-User-Id refused) when the server has AUTH_JWT_SECRET.",
				},
			},
			responses,
			schemas: {
				Money: {
					type: "integer",
					minimum: MIN_AMOUNT,
					maximum: MAX_AMOUNT,
					description: "An amount in minor units (kopecks).",
					example: 2500,
				},
				Balance: {
					type: "object",
					required: ["balance"],
					properties: { balance: { type: "integer", minimum: 0, description: "In minor units; credits minus debits.", example: 100000 } },
				},
				CreatedAccount: {
					type: "object",
					required: ["userId", "balance", "createdAt"],
					properties: {
						userId: { type: "string", format: "uuid" },
						balance: { type: "integer", const: 0 },
						createdAt: { type: "string", format: "date-time" },
					},
				},
				Account: {
					type: "object",
					required: ["userId", "balance", "updatedAt"],
					properties: {
						userId: { type: "string", format: "uuid" },
						balance: { type: "integer", minimum: 0 },
						updatedAt: { type: "string", format: "date-time" },
					},
				},
				DepositRequest: {
					type: "object",
					required: ["amount"],
					additionalProperties: false,
					properties: { amount: ref("Money") },
				},
				LedgerEntry: {
					type: "object",
					required: ["id", "type", "amount", "createdAt"],
					properties: {
						id: { type: "string", format: "uuid" },
						type: { type: "string", enum: ["CREDIT", "DEBIT"], description: "CREDIT: a top-up. DEBIT: the payment of an order." },
						amount: ref("Money"),
						orderId: { type: "string", format: "uuid", description: "The order a DEBIT paid for (absent on CREDIT)." },
						createdAt: { type: "string", format: "date-time" },
					},
				},
				CreateOrderRequest: {
					type: "object",
					required: ["amount", "description"],
					additionalProperties: false,
					properties: {
						amount: ref("Money"),
						description: { type: "string", minLength: 1, maxLength: 500, description: "Trimmed; 1 to 500 characters.", example: "A book" },
					},
				},
				Order: {
					type: "object",
					required: ["id", "userId", "amount", "description", "status", "reason", "createdAt", "updatedAt"],
					properties: {
						id: { type: "string", format: "uuid" },
						userId: { type: "string", format: "uuid" },
						amount: ref("Money"),
						description: { type: "string" },
						status: {
							type: "string",
							enum: ["NEW", "FINISHED", "CANCELED"],
							description: "NEW → FINISHED (paid) or NEW → CANCELED. A final status never changes again.",
						},
						reason: {
							type: ["string", "null"],
							enum: ["ACCOUNT_NOT_FOUND", "INSUFFICIENT_FUNDS", null],
							description: "Why a CANCELED order was not paid; null otherwise.",
						},
						createdAt: { type: "string", format: "date-time" },
						updatedAt: { type: "string", format: "date-time" },
					},
				},
				OrderPage: {
					type: "object",
					required: ["rows", "total", "page", "pageSize", "totalPages"],
					properties: {
						rows: { type: "array", items: ref("Order") },
						total: { type: "integer", minimum: 0 },
						page: { type: "integer", minimum: 1 },
						pageSize: { type: "integer", minimum: 1, maximum: 100 },
						totalPages: { type: "integer", minimum: 0 },
					},
				},
				Error: {
					type: "object",
					description: "Every error response has this shape.",
					required: ["name", "message", "code", "type", "data"],
					properties: {
						name: { type: "string", example: "ValidationError" },
						message: { type: "string", description: "For people." },
						code: { type: "integer", description: "The HTTP status.", example: 400 },
						type: { type: "string", description: "A stable reason for programs.", example: "VALIDATION_ERROR" },
						data: {
							type: "array",
							description: "The offending inputs (empty when none applies).",
							items: {
								type: "object",
								required: ["field", "message"],
								properties: { field: { type: "string", example: "amount" }, message: { type: "string" }, type: { type: "string" } },
							},
						},
					},
				},
				Health: {
					type: "object",
					required: ["status"],
					properties: { status: { type: "string", const: "ok" }, nodeID: { type: "string" }, uptimeSeconds: { type: "integer" } },
				},
				Readiness: {
					type: "object",
					required: ["status", "down", "checks"],
					properties: {
						status: { type: "string", enum: ["ready", "unavailable"] },
						down: { type: "array", items: { type: "string" }, description: "The names of the checks that failed." },
						checks: {
							type: "object",
							additionalProperties: {
								type: "object",
								required: ["ok"],
								properties: { ok: { type: "boolean" }, error: { type: "string" } },
							},
						},
					},
				},
			},
		},
	};
}
