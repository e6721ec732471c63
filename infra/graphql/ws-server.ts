/**
 * GraphQL over WebSocket (the graphql-ws protocol, subprotocol `graphql-transport-ws`) on the
 * gateway's own HTTP server, at the same path as HTTP GraphQL. The caller is identified once per
 * connection from its connection params — `{"X-User-Id": "<uuid>"}` or
 * `{"authorization": "Bearer <jwt>"}` — by the same rules as REST; a connection that cannot be
 * identified is closed with 4403 and the reason. Every operation runs through the same pipeline
 * as over HTTP, so errors look the same.
 */
import type { IncomingMessage, Server } from "node:http";
import type { Duplex } from "node:stream";
import { GraphQLError, type GraphQLFormattedError, type GraphQLSchema } from "graphql";
import type { Context as WsContext } from "graphql-ws";
import { useServer } from "graphql-ws/use/ws";
import { WebSocketServer, type WebSocket } from "ws";
import { IdentityError, resolveUserId } from "../http/identity.js";
import { formatErrors, rootCause } from "./errors.js";
import type { OrderUpdateHub } from "./order-updates.js";
import { prepare } from "./pipeline.js";
import type { GozonGraphQLContext } from "./schema.js";

export interface GraphQLWebSocketOptions {
	server: Server;
	path: string;
	schema: GraphQLSchema;
	orderUpdates: OrderUpdateHub;
	/** The JWT secret in force (read per connection); undefined = X-User-Id. */
	jwtSecret: () => string | undefined;
	call: GozonGraphQLContext["call"];
	logger: { info(...args: unknown[]): void; warn(...args: unknown[]): void; error(...args: unknown[]): void };
	/** Largest message accepted, in bytes. */
	maxPayload?: number;
	/** How often the server pings each client, in ms. */
	keepAliveMs?: number;
}

export interface GraphQLWebSocket {
	/** Open connections. */
	readonly clients: number;
	/** Closes every connection (1001 Going away) and stops accepting new ones. */
	dispose(): Promise<void>;
}

type Extra = { socket: WebSocket; request: IncomingMessage; userId?: string };

/** Subscriptions (and other operations) one connection may have running at once. */
export const MAX_OPERATIONS_PER_CONNECTION = 50;

/** Connection params, case-insensitively, else the upgrade request's own headers. */
function credentialsOf(params: Record<string, unknown> | undefined, request: IncomingMessage) {
	const lower = new Map(Object.entries(params ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
	const pick = (name: string) => {
		const value = lower.get(name);
		if (typeof value === "string") return value;
		const header = request.headers[name];
		return typeof header === "string" ? header : undefined;
	};
	return { userIdHeader: pick("x-user-id"), authorization: pick("authorization") };
}

/** A close reason: at most 123 bytes of UTF-8. */
function closeReason(message: string): string {
	let reason = message;
	while (Buffer.byteLength(reason) > 123) reason = `${reason.slice(0, -2)}…`;
	return reason;
}

export function attachGraphQLWebSocket(opts: GraphQLWebSocketOptions): GraphQLWebSocket {
	const wss = new WebSocketServer({ noServer: true, maxPayload: opts.maxPayload ?? 64 * 1024 });
	const preparedErrors = new WeakMap<readonly GraphQLError[], GraphQLFormattedError[]>();
	const onInternalError = (err: GraphQLError) => opts.logger.error("GraphQL (WebSocket) operation failed:", rootCause(err));

	const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
		let pathname: string;
		try {
			pathname = new URL(request.url ?? "/", "http://localhost").pathname.replace(/\/+$/, "");
		} catch {
			pathname = "";
		}
		if (pathname !== opts.path) {
			// Nobody else upgrades on this server: refuse plainly rather than leave the socket hanging.
			if (opts.server.listenerCount("upgrade") === 1) {
				socket.end("HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
			}
			return;
		}
		wss.handleUpgrade(request, socket, head, ws => wss.emit("connection", ws, request));
	};
	opts.server.on("upgrade", onUpgrade);

	const server = useServer<Record<string, unknown>, Extra>(
		{
			schema: opts.schema,
			onConnect(ctx: WsContext<Record<string, unknown>, Extra>) {
				try {
					ctx.extra.userId = resolveUserId(credentialsOf(ctx.connectionParams, ctx.extra.request), opts.jwtSecret());
					return { userId: ctx.extra.userId };
				} catch (err) {
					if (!(err instanceof IdentityError)) throw err;
					const message = err.message.replace(/ header\b/, " connection parameter");
					ctx.extra.socket.close(4403, closeReason(message));
					return false;
				}
			},
			onSubscribe(ctx, _id, payload) {
				if (Object.keys(ctx.subscriptions).length > MAX_OPERATIONS_PER_CONNECTION) {
					const errors = [new GraphQLError(`At most ${MAX_OPERATIONS_PER_CONNECTION} operations may run at once on one connection.`)];
					preparedErrors.set(errors, [{ message: errors[0].message, extensions: { code: "TOO_MANY_REQUESTS" } }]);
					return errors;
				}
				const contextValue: GozonGraphQLContext = {
					userId: () => {
						if (!ctx.extra.userId) throw new IdentityError(401, "NO_USER_ID", "The connection is not identified.", "X-User-Id");
						return ctx.extra.userId;
					},
					call: opts.call,
					orderUpdates: opts.orderUpdates,
				};
				const prepared = prepare(opts.schema, payload, contextValue);
				if (prepared.ok) return prepared.args;
				// graphql-ws wants GraphQLError instances here; the formatted form is sent by onError.
				const errors = prepared.errors.map(e => new GraphQLError(e.message, { extensions: e.extensions }));
				preparedErrors.set(errors, prepared.errors);
				return errors;
			},
			onNext(_ctx, _id, _payload, args, result) {
				if (!("errors" in result) || !result.errors?.length) return;
				return { ...result, errors: formatErrors(result.errors, { phase: "execute", document: args.document, onInternalError }) };
			},
			onError(_ctx, _id, _payload, errors) {
				return preparedErrors.get(errors) ?? formatErrors(errors, { phase: "execute", onInternalError });
			},
		},
		wss,
		opts.keepAliveMs ?? 12_000,
	);

	return {
		get clients() {
			return wss.clients.size;
		},
		async dispose() {
			opts.server.off("upgrade", onUpgrade);
			const open = [...wss.clients];
			for (const client of open) client.close(1001, "Going away");
			// Give clients a moment to answer the close; then cut whatever is left, so the HTTP
			// server's close() is not held up by sockets it no longer owns.
			const deadline = Date.now() + 1000;
			while (open.some(c => c.readyState !== c.CLOSED) && Date.now() < deadline) await new Promise(r => setTimeout(r, 20));
			for (const client of open) if (client.readyState !== client.CLOSED) client.terminate();
			await server.dispose();
		},
	};
}
