/**
 * GraphQL for the gateway (a mixin for the moleculer-web service):
 * - POST/GET /graphql: queries and mutations over HTTP; GET from a browser: GraphiQL, offline;
 * - the same path upgraded to WebSocket: the graphql-ws protocol, for `orderUpdated`;
 * - the mesh event `orders.updated` (broadcast by orders to every gateway instance) is handed to
 *   this instance's subscribers of that user.
 * Resolvers call the same actions as REST; see infra/graphql/.
 */
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { Context, Service, ServiceSchema } from "moleculer";
import { config } from "../infra/config.js";
import { rootCause } from "../infra/graphql/errors.js";
import { handleGraphQLHttp } from "../infra/graphql/http-handler.js";
import { isOrderUpdate, OrderUpdateHub } from "../infra/graphql/order-updates.js";
import { playgroundAssets } from "../infra/graphql/playground.js";
import { buildGozonSchema } from "../infra/graphql/schema.js";
import { attachGraphQLWebSocket, type GraphQLWebSocket } from "../infra/graphql/ws-server.js";
import type { AssetFiles } from "../infra/http/asset-files.js";
import type { GraphQLSchema } from "graphql";

/**
 * Broadcast by the orders service after each status change, with the order view (the same name
 * as ORDER_UPDATED_EVENT in services/orders.service.ts, not imported so that the gateway does not
 * load the orders service's database code).
 */
export const ORDER_UPDATED_EVENT = "orders.updated";

export const GRAPHQL_PATH = "/graphql";

/** Largest GraphQL request body, in bytes. */
const GRAPHQL_BODY_LIMIT = 64 * 1024;

type Req = IncomingMessage & { $ctx?: Context; query?: Record<string, unknown>; $params?: Record<string, unknown> };

interface GraphQLState {
	graphqlSchema: GraphQLSchema;
	orderUpdates: OrderUpdateHub;
	playgroundAssets: AssetFiles;
	graphqlWs?: GraphQLWebSocket;
	server?: Server;
}
type GatewayThis = Service & GraphQLState;
/** What moleculer hands lifecycle handlers and events: the service, with loose typing. */
type AnyThis = Service & Record<string, any>;

/** Closes the WebSocket connections; must run before moleculer-web closes the HTTP server. */
async function stopGraphQL(this: AnyThis) {
	const self = this as GatewayThis;
	await self.graphqlWs?.dispose();
	self.graphqlWs = undefined;
}

function sendFailure(this: GatewayThis, res: ServerResponse, err: unknown) {
	this.logger.error("GraphQL request failed:", err);
	if (res.headersSent) return res.end();
	res.setHeader("Content-Type", "application/json; charset=utf-8");
	res.writeHead(500);
	res.end(JSON.stringify({ errors: [{ message: "Internal server error.", extensions: { code: "INTERNAL_SERVER_ERROR" } }] }));
}

export function graphqlMixin(): Partial<ServiceSchema> {
	function graphqlAlias(this: GatewayThis, req: Req, res: ServerResponse) {
		const ctx = req.$ctx;
		handleGraphQLHttp(req, res, {
			schema: this.graphqlSchema,
			orderUpdates: this.orderUpdates,
			jwtSecret: config.jwtSecret,
			bodyLimit: GRAPHQL_BODY_LIMIT,
			call: (action, params) =>
				ctx ? ctx.call(action, params, { timeout: config.requestTimeoutMs }) : this.broker.call(action, params, { timeout: config.requestTimeoutMs }),
			onInternalError: err => this.logger.error("GraphQL operation failed:", rootCause(err)),
		}).catch(err => sendFailure.call(this, res, err));
	}

	function assetAlias(this: GatewayThis, req: Req, res: ServerResponse) {
		this.playgroundAssets.send(String(req.$params?.file ?? ""), req, res);
	}

	const mixin: Partial<ServiceSchema> & { merged(schema: ServiceSchema): void } = {
		/** Adds the /graphql route; and makes stopGraphQL run before the HTTP server closes. */
		merged(schema: ServiceSchema) {
			const settings = (schema.settings ??= {}) as { routes?: unknown[] };
			settings.routes = [
				...(settings.routes ?? []),
				{
					name: "graphql",
					path: GRAPHQL_PATH,
					authentication: false,
					authorization: false,
					mappingPolicy: "restrict",
					bodyParsers: false,
					logging: false,
					aliases: {
						"GET /": graphqlAlias,
						"POST /": graphqlAlias,
						"GET /assets/:file": assetAlias,
					},
				},
			];
			// Lifecycle handlers of a mixed service stop in reverse order: put ours last.
			if (Array.isArray(schema.stopped)) {
				schema.stopped = [...schema.stopped.filter(fn => fn !== stopGraphQL), stopGraphQL];
			}
		},

		created(this: AnyThis) {
			this.graphqlSchema = buildGozonSchema();
			this.orderUpdates = new OrderUpdateHub();
			this.playgroundAssets = playgroundAssets();
			const missing = this.playgroundAssets.missing();
			if (missing.length > 0) this.logger.warn(`GraphiQL files missing (${missing.join(", ")}): run npm install`);
		},

		started(this: AnyThis) {
			if (!this.server) {
				this.logger.warn("no HTTP server: GraphQL subscriptions over WebSocket are off");
				return;
			}
			this.graphqlWs = attachGraphQLWebSocket({
				server: this.server,
				path: GRAPHQL_PATH,
				schema: this.graphqlSchema,
				orderUpdates: this.orderUpdates,
				jwtSecret: () => config.jwtSecret,
				call: (action, params) => this.broker.call(action, params, { timeout: config.requestTimeoutMs }),
				logger: this.logger,
			});
			const port = (this.settings as { port?: number }).port;
			this.logger.info(`GraphQL: http://localhost:${port}${GRAPHQL_PATH} (GraphiQL in a browser; subscriptions over WebSocket)`);
		},

		stopped: stopGraphQL,

		events: {
			[ORDER_UPDATED_EVENT]: {
				handler(this: AnyThis, ctx: Context<unknown>) {
					if (!isOrderUpdate(ctx.params)) {
						this.logger.warn(`${ORDER_UPDATED_EVENT} with an unexpected payload ignored`);
						return;
					}
					this.orderUpdates.publish(ctx.params);
				},
			},
		},
	};
	return mixin;
}
