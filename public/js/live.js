/**
 * A small client of the graphql-ws protocol (subprotocol "graphql-transport-ws") for live order
 * updates: connection_init with the user's identity, subscribe / next / error / complete,
 * ping → pong, and reconnection with backoff that re-subscribes everything still wanted.
 * Nothing connects until `restart()`; a connection refused for its identity (close code 4403)
 * is not retried until the next `restart()`.
 */

const PROTOCOL = "graphql-transport-ws";

/**
 * @param {{url: string, connectionParams: () => object, onStatus?: (state: string, detail?: string) => void, onReconnect?: () => void}} options
 */
export function createLiveClient({ url, connectionParams, onStatus = () => {}, onReconnect = () => {} }) {
	/** @type {Map<string, {payload: object, sink: {next: Function, error?: Function, complete?: Function}}>} */
	const subscriptions = new Map();
	let socket = null;
	let acknowledged = false;
	let attempt = 0;
	let retryTimer = null;
	let nextId = 1;
	let everConnected = false;
	let started = false;

	const send = message => {
		if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
	};

	function connect() {
		clearTimeout(retryTimer);
		acknowledged = false;
		onStatus("connecting");
		const ws = new WebSocket(url, PROTOCOL);
		socket = ws;
		ws.onopen = () => send({ type: "connection_init", payload: connectionParams() });
		ws.onmessage = event => {
			if (ws !== socket) return;
			let message;
			try {
				message = JSON.parse(event.data);
			} catch {
				return ws.close(4400, "Invalid message received");
			}
			switch (message.type) {
				case "connection_ack":
					acknowledged = true;
					attempt = 0;
					onStatus("live");
					for (const [id, sub] of subscriptions) send({ id, type: "subscribe", payload: sub.payload });
					if (everConnected) onReconnect();
					everConnected = true;
					break;
				case "ping":
					send({ type: "pong" });
					break;
				case "next":
					subscriptions.get(message.id)?.sink.next(message.payload);
					break;
				case "error": {
					const sub = subscriptions.get(message.id);
					subscriptions.delete(message.id);
					sub?.sink.error?.(message.payload);
					break;
				}
				case "complete": {
					const sub = subscriptions.get(message.id);
					subscriptions.delete(message.id);
					sub?.sink.complete?.();
					break;
				}
			}
		};
		ws.onclose = event => {
			if (ws !== socket) return;
			socket = null;
			acknowledged = false;
			if (event.code === 4403 || event.code === 4401) {
				// Refused for who we are: retrying cannot help until the identity changes.
				onStatus("refused", event.reason || "The server refused this user.");
				return;
			}
			const delay = Math.min(10_000, 500 * 2 ** attempt) * (0.75 + Math.random() / 2);
			attempt++;
			onStatus("offline", `Reconnecting in ${Math.round(delay / 1000)} s…`);
			retryTimer = setTimeout(connect, delay);
		};
	}

	/** Reconnects at once, e.g. after the user changed or the network came back. */
	function restart() {
		started = true;
		attempt = 0;
		everConnected = false;
		const old = socket;
		socket = null;
		if (old && old.readyState <= WebSocket.OPEN) old.close(1000, "Normal Closure");
		connect();
	}

	/**
	 * Subscribes; the subscription survives reconnections.
	 * @returns {() => void} unsubscribe
	 */
	function subscribe(payload, sink) {
		const id = String(nextId++);
		subscriptions.set(id, { payload, sink });
		if (acknowledged) send({ id, type: "subscribe", payload });
		return () => {
			if (subscriptions.delete(id) && acknowledged) send({ id, type: "complete" });
		};
	}

	window.addEventListener("online", () => {
		if (started && !socket) restart();
	});

	return {
		subscribe,
		restart,
		get connected() {
			return acknowledged;
		},
	};
}
