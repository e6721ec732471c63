/** GraphQL clients for tests: HTTP POST, and graphql-ws subscriptions collected into arrays. */
import { createClient, type Client } from "graphql-ws";
import WebSocket from "ws";
import { waitFor } from "./wait-for.js";

export interface GraphQLResponse<T = any> {
	status: number;
	body: { data?: T; errors?: { message: string; path?: string[]; locations?: unknown[]; extensions: Record<string, any> }[] };
	headers: Headers;
}

export async function graphqlPost<T = any>(
	baseUrl: string,
	query: string,
	variables?: Record<string, unknown>,
	headers: Record<string, string> = {},
): Promise<GraphQLResponse<T>> {
	const res = await fetch(`${baseUrl}/graphql`, {
		method: "POST",
		headers: { "content-type": "application/json", accept: "application/json", ...headers },
		body: JSON.stringify({ query, variables }),
	});
	return { status: res.status, body: (await res.json()) as GraphQLResponse<T>["body"], headers: res.headers };
}

/** Speaks GraphQL as one user (X-User-Id). */
export function graphqlUser(baseUrl: string, userId: string) {
	return {
		userId,
		run: <T = any>(query: string, variables?: Record<string, unknown>, headers: Record<string, string> = {}) =>
			graphqlPost<T>(baseUrl, query, variables, { "x-user-id": userId, ...headers }),
	};
}

export function wsUrl(baseUrl: string): string {
	return `${baseUrl.replace(/^http/, "ws")}/graphql`;
}

export interface Collected<T = any> {
	results: { data?: T; errors?: { message: string; extensions?: Record<string, any> }[] }[];
	/** The error the subscription ended with, if any (GraphQL errors or a CloseEvent). */
	error?: unknown;
	completed: boolean;
	/** Resolves once the server has acknowledged the connection. */
	acknowledged: Promise<unknown>;
	client: Client;
	stop(): Promise<void>;
	waitFor(done: (results: Collected<T>["results"]) => boolean, what: string, timeoutMs?: number): Promise<Collected<T>["results"]>;
}

/** Opens a graphql-ws connection with `connectionParams` and runs `query`, collecting every result. */
export function subscribe<T = any>(
	baseUrl: string,
	connectionParams: Record<string, unknown>,
	query: string,
	variables?: Record<string, unknown>,
): Collected<T> {
	let ack!: (payload: unknown) => void;
	let nack!: (err: unknown) => void;
	const acknowledged = new Promise((resolve, reject) => {
		ack = resolve;
		nack = reject;
	});
	acknowledged.catch(() => {});
	const client = createClient({
		url: wsUrl(baseUrl),
		webSocketImpl: WebSocket,
		connectionParams,
		retryAttempts: 0,
		lazy: true,
		on: { connected: (_socket, payload) => ack(payload), closed: event => nack(event) },
	});
	const collected: Collected<T> = {
		results: [],
		completed: false,
		acknowledged,
		client,
		stop: async () => {
			dispose();
			await client.dispose();
		},
		waitFor: (done, what, timeoutMs = 30_000) =>
			waitFor(
				async () => collected.results,
				results => {
					if (collected.error !== undefined) throw new Error(`subscription failed while waiting for ${what}: ${describeFailure(collected.error)}`);
					return done(results);
				},
				{ timeoutMs, intervalMs: 50, what },
			),
	};
	const dispose = client.subscribe<T>(
		{ query, variables },
		{
			next: value => void collected.results.push(value as Collected<T>["results"][number]),
			error: err => {
				collected.error = err;
			},
			complete: () => {
				collected.completed = true;
			},
		},
	);
	return collected;
}

export function describeFailure(err: unknown): string {
	if (Array.isArray(err)) return JSON.stringify(err);
	const e = err as { code?: number; reason?: string; message?: string };
	if (typeof e?.code === "number") return `close ${e.code} ${e.reason ?? ""}`;
	return e?.message ?? String(err);
}
