/**
 * gateway: the only HTTP entry point. REST under /api (this file maps each route to an action of
 * orders or payments), the web UI from public/, health and readiness. It resolves who is
 * calling and forwards; it holds no business logic. GraphQL at /graphql (with its WebSocket
 * subscriptions and GraphiQL) comes from mixins/graphql.mixin.ts; the OpenAPI document and
 * Swagger UI from mixins/api-docs.mixin.ts.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Context, Service, ServiceSchema } from "moleculer";
import ApiGateway, { type ApiSettingsSchema } from "moleculer-web";
import { config } from "../infra/config.js";
import { toErrorResponse } from "../infra/http/error-response.js";
import { resolveUserId } from "../infra/http/identity.js";
import { badRequest } from "../infra/errors.js";
import { apiDocsMixin } from "../mixins/api-docs.mixin.js";
import { graphqlMixin } from "../mixins/graphql.mixin.js";

type Req = IncomingMessage & { $params: Record<string, unknown>; $action?: { name?: string } };

/** Actions that honour an Idempotency-Key header. */
const IDEMPOTENT_ACTIONS = new Set(["orders.create", "payments.deposit"]);

/** Actions anyone may call, with no identity. */
const PUBLIC_ACTIONS = new Set(["gateway.health", "gateway.ready"]);

/** Parameters the gateway fills in itself; a client may not send them. */
const RESERVED_PARAMS = ["userId", "idempotencyKey"];

const SECURITY_HEADERS: Record<string, string> = {
	"X-Content-Type-Options": "nosniff",
	"X-Frame-Options": "DENY",
	"Referrer-Policy": "no-referrer",
	"Cross-Origin-Opener-Policy": "same-origin",
};

const GatewayService: ServiceSchema<ApiSettingsSchema> = {
	name: "gateway",
	mixins: [ApiGateway as unknown as Partial<ServiceSchema>, graphqlMixin(), apiDocsMixin()],

	settings: {
		port: config.port,
		ip: process.env.HOST || "0.0.0.0",
		httpServerTimeout: config.requestTimeoutMs + 5000,
		log4XXResponses: false,
		// Per caller, not per address: many users may share one proxy, and one user many devices.
		rateLimit: {
			window: config.rateLimit.windowMs,
			limit: config.rateLimit.limit,
			headers: true,
			key: (req: IncomingMessage) => String(req.headers.authorization ?? req.headers["x-user-id"] ?? req.socket.remoteAddress),
		},
		logRequestParams: null,
		logResponseData: null,

		routes: [
			{
				path: "/api",
				authentication: true,
				mappingPolicy: "restrict",
				aliases: {
					"GET /health": "gateway.health",
					"GET /ready": "gateway.ready",
					"POST /accounts": "payments.createAccount",
					"GET /accounts/me": "payments.getAccount",
					"POST /accounts/me/deposits": "payments.deposit",
					"GET /accounts/me/transactions": "payments.listTransactions",
					"POST /orders": "orders.create",
					"GET /orders": "orders.list",
					"GET /orders/:id": "orders.get",
				},
				bodyParsers: { json: { strict: true, limit: config.bodyLimit }, urlencoded: false },
				callOptions: { timeout: config.requestTimeoutMs },
			},
		],

		// Security headers on every response, static files included.
		use: [
			(_req: IncomingMessage, res: ServerResponse, next: () => void) => {
				for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
				next();
			},
		],

		// Static files skip the global middlewares; serve-static sets the same headers itself.
		assets: {
			folder: "public",
			options: {
				index: "index.html",
				setHeaders: (res: ServerResponse) => {
					for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
				},
			},
		},

		onError(this: Service, req: Req, res: ServerResponse, err: Error) {
			const body = toErrorResponse(err);
			// A dependency being down is expected and answered; anything else is a bug to look at.
			if (body.code === 503) this.logger.warn(`${req.method} ${req.url}: ${body.message} (${err.message})`);
			else if (body.code >= 500) this.logger.error(`${req.method} ${req.url} failed:`, err);
			if (res.headersSent) return;
			res.setHeader("Content-Type", "application/json; charset=utf-8");
			res.writeHead(body.code);
			res.end(JSON.stringify(body));
		},
	},

	actions: {
		/** Liveness: the process answers. */
		health: {
			visibility: "published",
			handler(this: Service) {
				return { status: "ok", nodeID: this.broker.nodeID, uptimeSeconds: Math.round(process.uptime()) };
			},
		},

		/** Readiness: the transporter, and each service's database and event log. */
		ready: {
			visibility: "published",
			async handler(this: Service, ctx: Context<unknown, { $statusCode?: number }>) {
				const transporterConnected = this.broker.transit ? Boolean(this.broker.transit.connected) : true;
				const probe = async (service: string) => {
					try {
						return await ctx.call<{ ok: boolean }, object>(`${service}.health`, {}, { timeout: 3000 });
					} catch (err) {
						return { ok: false, error: (err as Error).message };
					}
				};
				const [orders, payments] = await Promise.all([probe("orders"), probe("payments")]);
				const checks = {
					transporter: { ok: transporterConnected, kind: config.transporter ? "NATS" : "local" },
					orders,
					payments,
				};
				const ready = Object.values(checks).every(c => c.ok);
				if (!ready) ctx.meta.$statusCode = 503;
				return {
					status: ready ? "ready" : "unavailable",
					down: Object.entries(checks).filter(([, c]) => !c.ok).map(([name]) => name),
					checks,
				};
			},
		},
	},

	methods: {
		/**
		 * Resolves the caller and hands the identity (and Idempotency-Key) to the action as
		 * parameters, so every action can validate it like any other input.
		 */
		authenticate(this: Service, _ctx: Context, _route: unknown, req: Req) {
			if (PUBLIC_ACTIONS.has(req.$action?.name ?? "")) return null;
			const userId = resolveUserId({ userIdHeader: req.headers["x-user-id"], authorization: req.headers.authorization }, config.jwtSecret);
			const reserved = RESERVED_PARAMS.filter(name => name in req.$params);
			if (reserved.length > 0) {
				throw badRequest(reserved.map(field => ({ field, message: `The '${field}' field may not be sent; it comes from the request headers.`, type: "objectStrict" })));
			}
			req.$params.userId = userId;
			const key = req.headers["idempotency-key"];
			if (key !== undefined && IDEMPOTENT_ACTIONS.has(req.$action?.name ?? "")) {
				req.$params.idempotencyKey = Array.isArray(key) ? key[0] : key;
			}
			return { id: userId };
		},
	},

	started() {
		this.logger.info(`gateway: http://localhost:${config.port} (REST under /api)`);
	},
};

export default GatewayService;
