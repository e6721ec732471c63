/** A keep-alive HTTP GET for load generation, cheaper than fetch per request. */
import http from "node:http";

export function httpGetter(baseUrl: string, sockets: number) {
	const agent = new http.Agent({ keepAlive: true, maxSockets: sockets });
	const url = new URL(baseUrl);
	return (path: string, headers: Record<string, string> = {}) =>
		new Promise<void>((resolve, reject) => {
			const req = http.request({ host: url.hostname, port: url.port, path, method: "GET", agent, headers }, res => {
				res.resume();
				res.on("end", () => (res.statusCode === 200 ? resolve() : reject(new Error(`HTTP ${res.statusCode}`))));
			});
			req.on("error", reject);
			req.end();
		});
}

export function httpPoster(baseUrl: string, sockets: number) {
	const agent = new http.Agent({ keepAlive: true, maxSockets: sockets });
	const url = new URL(baseUrl);
	return (path: string, body: unknown, headers: Record<string, string> = {}) =>
		new Promise<{ status: number; body: string }>((resolve, reject) => {
			const payload = JSON.stringify(body);
			const req = http.request(
				{ host: url.hostname, port: url.port, path, method: "POST", agent, headers: { "content-type": "application/json", "content-length": Buffer.byteLength(payload), ...headers } },
				res => {
					const chunks: Buffer[] = [];
					res.on("data", c => chunks.push(c));
					res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
				},
			);
			req.on("error", reject);
			req.end(payload);
		});
}
