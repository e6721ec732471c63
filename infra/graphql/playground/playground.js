/*
 * Starts GraphiQL against this gateway. Loaded after React, ReactDOM, graphqlWs and GraphiQL
 * (UMD globals). Queries and mutations go over HTTP POST; subscriptions open a graphql-ws
 * connection whose connection params are the headers typed in the Headers tab, so the same
 * X-User-Id (or Authorization) works for both.
 */
(function () {
	"use strict";
	var endpoint = location.origin + "/graphql";
	var wsEndpoint = endpoint.replace(/^http/, "ws");

	function uuid() {
		if (crypto.randomUUID) return crypto.randomUUID();
		var b = crypto.getRandomValues(new Uint8Array(16));
		b[6] = (b[6] & 0x0f) | 0x40;
		b[8] = (b[8] & 0x3f) | 0x80;
		var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
		return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
	}

	// The shop's UI keeps the user's id here; reuse it so both show the same account.
	var userId = localStorage.getItem("gozon.userId");
	if (!userId) {
		userId = uuid();
		localStorage.setItem("gozon.userId", userId);
	}

	/** Which kind of operation the request runs (the named one, or the only one). */
	function operationKind(query, operationName) {
		var clean = query.replace(/#[^\n\r]*/g, "").replace(/"""[\s\S]*?"""/g, '""').replace(/"(?:\\.|[^"\\])*"/g, '""');
		var re = /\b(query|mutation|subscription)\b\s*([_A-Za-z][_0-9A-Za-z]*)?/g;
		var m, first = null;
		while ((m = re.exec(clean))) {
			if (!first) first = m[1];
			if (operationName && m[2] === operationName) return m[1];
		}
		return first || "query";
	}

	function fetcher(params, opts) {
		var headers = Object.assign({}, (opts && opts.headers) || {});
		if (operationKind(params.query || "", params.operationName) === "subscription") {
			return subscribe(params, headers);
		}
		return fetch(endpoint, {
			method: "POST",
			headers: Object.assign({ "Content-Type": "application/json", Accept: "application/json" }, headers),
			body: JSON.stringify(params),
		}).then(function (res) { return res.json(); });
	}

	/** A subscription as an observable, on its own graphql-ws connection with the tab's headers. */
	function subscribe(params, headers) {
		return {
			subscribe: function (sink) {
				var observer = typeof sink === "function" ? { next: sink } : sink;
				var client = graphqlWs.createClient({ url: wsEndpoint, connectionParams: headers, lazy: true, retryAttempts: 0 });
				var dispose = client.subscribe(params, {
					next: function (value) { observer.next && observer.next(value); },
					error: function (err) {
						var message = err && err.reason ? "Connection closed (" + err.code + "): " + err.reason
							: err instanceof Error ? err.message
							: Array.isArray(err) ? null : "Connection failed";
						if (message) observer.next && observer.next({ errors: [{ message: message, extensions: { code: "WEBSOCKET_CLOSED" } }] });
						else observer.next && observer.next({ errors: err });
						observer.complete && observer.complete();
						client.dispose();
					},
					complete: function () { observer.complete && observer.complete(); client.dispose(); },
				});
				return { unsubscribe: function () { dispose(); client.dispose(); } };
			},
		};
	}

	var defaultQuery = [
		"# Gozon GraphQL",
		"# Who you are: the X-User-Id header",
		"# (Headers tab below).",
		"# Money: whole kopecks, 1 to 10^12.",
		"# Run OpenAccount, TopUp, then",
		"# WatchOrders in a second tab, then",
		"# PlaceOrder here.",
		"",
		"query Overview {",
		"  me { userId balance }",
		"  orders(pageSize: 5) {",
		"    total",
		"    rows { id amount status reason }",
		"  }",
		"}",
		"",
		"mutation OpenAccount {",
		"  createAccount { userId balance }",
		"}",
		"",
		"mutation TopUp {",
		"  deposit(amount: 100000) { balance }",
		"}",
		"",
		"mutation PlaceOrder {",
		"  createOrder(amount: 2500, description: \"A book\") {",
		"    id status",
		"  }",
		"}",
		"",
		"subscription WatchOrders {",
		"  orderUpdated { id status reason amount }",
		"}",
		"",
	].join("\n");

	var root = ReactDOM.createRoot(document.getElementById("graphiql"));
	root.render(
		React.createElement(GraphiQL, {
			fetcher: fetcher,
			defaultQuery: defaultQuery,
			defaultHeaders: JSON.stringify({ "X-User-Id": userId }, null, 2),
			shouldPersistHeaders: true,
			defaultEditorToolsVisibility: "headers",
		}),
	);
})();
