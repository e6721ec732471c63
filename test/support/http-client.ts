/** A thin REST client for the gateway, speaking as one user. */
export interface HttpResult<T = any> {
	status: number;
	body: T;
	headers: Headers;
}

export async function request<T = any>(
	baseUrl: string,
	method: string,
	path: string,
	opts: { headers?: Record<string, string>; body?: unknown; rawBody?: string } = {},
): Promise<HttpResult<T>> {
	const headers: Record<string, string> = { ...(opts.headers ?? {}) };
	let body: string | undefined = opts.rawBody;
	if (opts.body !== undefined) {
		body = JSON.stringify(opts.body);
		headers["content-type"] ??= "application/json";
	}
	const res = await fetch(`${baseUrl}${path}`, { method, headers, body });
	const text = await res.text();
	let parsed: unknown = text;
	try {
		parsed = text ? JSON.parse(text) : null;
	} catch {
		// not JSON: keep the text
	}
	return { status: res.status, body: parsed as T, headers: res.headers };
}

export function userClient(baseUrl: string, userId: string) {
	const h = (extra?: Record<string, string>) => ({ "x-user-id": userId, ...(extra ?? {}) });
	return {
		userId,
		createAccount: () => request(baseUrl, "POST", "/api/accounts", { headers: h() }),
		account: () => request(baseUrl, "GET", "/api/accounts/me", { headers: h() }),
		deposit: (amount: unknown, key?: string) =>
			request(baseUrl, "POST", "/api/accounts/me/deposits", { headers: h(key ? { "idempotency-key": key } : {}), body: { amount } }),
		transactions: () => request<any[]>(baseUrl, "GET", "/api/accounts/me/transactions?limit=1000", { headers: h() }),
		createOrder: (amount: unknown, description = "test order", key?: string) =>
			request(baseUrl, "POST", "/api/orders", { headers: h(key ? { "idempotency-key": key } : {}), body: { amount, description } }),
		order: (id: string) => request(baseUrl, "GET", `/api/orders/${id}`, { headers: h() }),
		orders: (query = "") => request(baseUrl, "GET", `/api/orders${query}`, { headers: h() }),
	};
}
export type UserClient = ReturnType<typeof userClient>;
