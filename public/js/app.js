/**
 * The Gozon page: pick a user, open an account, top it up, place orders, and watch each order's
 * status change live (GraphQL subscription over WebSocket; no polling). Every request goes to the
 * gateway's GraphQL endpoint; every error shows the server's message and the field it names.
 */
import { ApiError, gql, toApiError } from "./api.js";
import { createLiveClient } from "./live.js";

const USER_KEY = "gozon.userId";
const PAGE_SIZE = 10;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const ORDER_FIELDS = "id amount description status reason createdAt updatedAt";
const Q_OVERVIEW = `query Overview($pageSize: Int!) {
	me { userId balance updatedAt }
	orders(page: 1, pageSize: $pageSize) { total page totalPages rows { ${ORDER_FIELDS} } }
}`;
const Q_ACCOUNT = `query Account { me { userId balance updatedAt } }`;
const Q_LEDGER = `query Ledger { ledger(limit: 50) { id type amount orderId createdAt } }`;
const Q_ORDERS = `query Orders($page: Int!, $pageSize: Int!) {
	orders(page: $page, pageSize: $pageSize) { total page totalPages rows { ${ORDER_FIELDS} } }
}`;
const M_CREATE_ACCOUNT = `mutation OpenAccount { createAccount { userId balance createdAt } }`;
const M_DEPOSIT = `mutation TopUp($amount: Money!, $key: String) { deposit(amount: $amount, idempotencyKey: $key) { balance } }`;
const M_ORDER = `mutation PlaceOrder($amount: Money!, $description: String!, $key: String) {
	createOrder(amount: $amount, description: $description, idempotencyKey: $key) { ${ORDER_FIELDS} }
}`;
const S_ORDERS = `subscription OrderUpdates { orderUpdated { ${ORDER_FIELDS} } }`;

const $ = id => document.getElementById(id);

// ---------------------------------------------------------------- state

const state = {
	userId: "",
	/** null: no account; undefined: not known yet */
	account: undefined,
	/** @type {Map<string, any>} */
	orders: new Map(),
	ordersTotal: 0,
	ordersPage: 0,
	ordersPages: 0,
	ledger: [],
	unsubscribe: () => {},
	/** Bumped on every user switch, so late answers for the previous user are dropped. */
	generation: 0,
};

// ---------------------------------------------------------------- formatting

const rub = new Intl.NumberFormat("ru-RU", { style: "currency", currency: "RUB", minimumFractionDigits: 2 });
const formatMoney = kopecks => rub.format(kopecks / 100);
const timeFormat = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit" });
const dateFormat = new Intl.DateTimeFormat(undefined, { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" });

function formatWhen(iso) {
	const date = new Date(iso);
	if (Number.isNaN(date.getTime())) return "";
	return date.toDateString() === new Date().toDateString() ? timeFormat.format(date) : dateFormat.format(date);
}

const REASONS = {
	INSUFFICIENT_FUNDS: "Not enough money on the account",
	ACCOUNT_NOT_FOUND: "No account to pay from",
};

/**
 * Rubles as typed ("1 000", "99,90", "250.5") → kopecks, or an ApiError naming the field.
 * Range is left to the server, whose message then shows.
 */
function parseRubles(text, field) {
	const clean = String(text).replace(/[\s\u00a0]/g, "").replace(",", ".");
	if (clean === "") throw new ApiError("Enter an amount.", { code: "BAD_USER_INPUT", fields: [{ field, message: "Enter an amount." }] });
	const match = /^(\d{1,13})(?:\.(\d{1,2}))?$/.exec(clean);
	if (!match) {
		const message = "Enter the amount in rubles, with at most two decimals (e.g. 250 or 99.90).";
		throw new ApiError(message, { code: "BAD_USER_INPUT", fields: [{ field, message }] });
	}
	return Number(match[1]) * 100 + Number((match[2] ?? "").padEnd(2, "0"));
}

function newKey() {
	if (crypto.randomUUID) return crypto.randomUUID();
	const b = crypto.getRandomValues(new Uint8Array(16));
	b[6] = (b[6] & 0x0f) | 0x40;
	b[8] = (b[8] & 0x3f) | 0x80;
	const h = [...b].map(x => x.toString(16).padStart(2, "0")).join("");
	return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function el(tag, className, text) {
	const node = document.createElement(tag);
	if (className) node.className = className;
	if (text !== undefined) node.textContent = text;
	return node;
}

// ---------------------------------------------------------------- messages

/** Shows an error (the server's message, the field it names, its code) in a message box. */
function showError(box, err, inputs = {}) {
	const error = err instanceof ApiError ? err : new ApiError(err?.message ?? String(err));
	box.replaceChildren();
	box.classList.remove("msg--ok");
	const fields = error.fields.filter(f => f && f.field);
	if (fields.length > 0) box.append(el("span", "msg__field", fields.map(f => f.field).join(", ")));
	// One named field: its own message is the most direct (the server's, without prefixes).
	box.append(document.createTextNode(fields.length === 1 && fields[0].message ? fields[0].message : error.message));
	if (error.code && error.code !== "ERROR") box.append(el("span", "msg__code", error.type ? `${error.code} · ${error.type}` : error.code));
	box.hidden = false;
	for (const f of fields) {
		const input = inputs[f.field];
		if (input) input.setAttribute("aria-invalid", "true");
	}
	const first = fields.map(f => inputs[f.field]).find(Boolean);
	first?.focus();
}

function clearMessage(box, inputs = {}) {
	box.hidden = true;
	box.replaceChildren();
	for (const input of Object.values(inputs)) input.removeAttribute("aria-invalid");
}

function toast(text, kind = "") {
	const node = el("div", `toast${kind ? ` toast--${kind}` : ""}`, text);
	$("toasts").append(node);
	setTimeout(() => node.remove(), 4000);
}

/** Disables a button while `work` runs. */
async function busy(button, work) {
	button.disabled = true;
	try {
		return await work();
	} finally {
		button.disabled = false;
	}
}

// ---------------------------------------------------------------- rendering

function renderAccount() {
	const known = state.account !== undefined;
	$("account-none").hidden = !known || state.account !== null;
	$("account-open").hidden = !known || state.account === null;
	if (state.account) {
		const node = $("balance");
		const text = formatMoney(state.account.balance);
		if (node.textContent !== text && node.textContent !== "—") {
			node.classList.remove("bump");
			void node.offsetWidth;
			node.classList.add("bump");
		}
		node.textContent = text;
		node.dataset.kopecks = String(state.account.balance);
	}
}

function renderLedger() {
	const list = $("ledger");
	list.replaceChildren(
		...state.ledger.map(entry => {
			const li = el("li");
			const order = entry.orderId ? state.orders.get(entry.orderId) : null;
			li.append(
				el("span", "ledger__what", entry.type === "CREDIT" ? "Top-up" : `Payment${order ? ` · ${order.description}` : ""}`),
				el("span", `ledger__amount ledger__amount--${entry.type.toLowerCase()}`, `${entry.type === "CREDIT" ? "+" : "−"}${formatMoney(entry.amount)}`),
				el("span", "ledger__when", formatWhen(entry.createdAt)),
			);
			return li;
		}),
	);
	$("ledger-empty").hidden = state.ledger.length > 0 || state.account === undefined;
	$("ledger-empty").textContent = state.account === null ? "Open an account to see its ledger." : "No money has moved yet.";
	$("ledger-count").textContent = state.ledger.length ? `${state.ledger.length} entr${state.ledger.length === 1 ? "y" : "ies"}` : "";
}

function orderNode(order) {
	const li = el("li", "order");
	li.dataset.id = order.id;
	li.dataset.status = order.status;
	li.dataset.testid = "order";
	const title = el("span", "order__title", order.description);
	title.title = order.description;
	const amount = el("span", "order__amount", formatMoney(order.amount));
	const meta = el("span", "order__meta");
	const id = el("span", "order__id", order.id.slice(0, 8));
	id.title = order.id;
	meta.append(id, el("span", "", formatWhen(order.createdAt)));
	if (order.reason) meta.append(el("span", "order__reason", REASONS[order.reason] ?? order.reason));
	const badge = el("span", `badge badge--${order.status} order__status`, order.status === "NEW" ? "Paying…" : order.status === "FINISHED" ? "Paid" : "Canceled");
	badge.dataset.testid = "order-status";
	badge.dataset.status = order.status;
	badge.title = order.status;
	li.append(title, amount, meta, badge);
	return li;
}

function sortedOrders() {
	return [...state.orders.values()].sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : a.id < b.id ? 1 : -1));
}

function renderOrders(flashId) {
	const list = $("orders");
	list.replaceChildren(
		...sortedOrders().map(order => {
			const node = orderNode(order);
			if (order.id === flashId) node.classList.add("flash");
			return node;
		}),
	);
	$("orders-empty").hidden = state.orders.size > 0;
	$("orders-count").textContent = state.ordersTotal ? `${state.ordersTotal} in all` : "";
	$("orders-more").hidden = state.ordersPage >= state.ordersPages;
}

/** Adds or updates an order; a final status never goes back to NEW (answers may cross). */
function upsertOrder(order) {
	const known = state.orders.get(order.id);
	if (known && known.status !== "NEW" && order.status === "NEW") return false;
	if (!known) state.ordersTotal++;
	state.orders.set(order.id, { ...known, ...order });
	return true;
}

// ---------------------------------------------------------------- loading

async function loadLedger(generation) {
	if (!state.account) {
		state.ledger = [];
		return renderLedger();
	}
	const data = await gql(state.userId, Q_LEDGER);
	if (generation !== state.generation) return;
	state.ledger = data.ledger;
	renderLedger();
}

async function refreshAccount() {
	const generation = state.generation;
	const data = await gql(state.userId, Q_ACCOUNT);
	if (generation !== state.generation) return;
	state.account = data.me;
	renderAccount();
	await loadLedger(generation);
}

async function loadAll() {
	const generation = state.generation;
	const button = $("refresh");
	button.classList.add("spin");
	try {
		const data = await gql(state.userId, Q_OVERVIEW, { pageSize: PAGE_SIZE });
		if (generation !== state.generation) return;
		state.account = data.me;
		state.orders = new Map(data.orders.rows.map(o => [o.id, o]));
		state.ordersTotal = data.orders.total;
		state.ordersPage = data.orders.page;
		state.ordersPages = data.orders.totalPages;
		clearMessage($("account-msg"));
		renderAccount();
		renderOrders();
		await loadLedger(generation);
	} catch (err) {
		if (generation === state.generation) showError($("account-msg"), err);
	} finally {
		button.classList.remove("spin");
	}
}

async function loadMoreOrders() {
	const generation = state.generation;
	const data = await gql(state.userId, Q_ORDERS, { page: state.ordersPage + 1, pageSize: PAGE_SIZE });
	if (generation !== state.generation) return;
	for (const order of data.orders.rows) if (!state.orders.has(order.id)) state.orders.set(order.id, order);
	state.ordersTotal = data.orders.total;
	state.ordersPage = data.orders.page;
	state.ordersPages = data.orders.totalPages;
	renderOrders();
}

// ---------------------------------------------------------------- live updates

const live = createLiveClient({
	url: `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/graphql`,
	connectionParams: () => ({ "X-User-Id": state.userId }),
	onStatus(status, detail) {
		const pill = $("live");
		pill.dataset.state = status;
		$("live-text").textContent = { live: "Live", connecting: "Connecting…", offline: "Offline", refused: "Not live" }[status] ?? status;
		pill.title = detail ?? (status === "live" ? "Order statuses update by themselves." : "");
	},
	// Updates may have been missed while the connection was down: read the current state once.
	onReconnect: () => loadAll(),
});

function watchOrders() {
	state.unsubscribe();
	state.unsubscribe = live.subscribe(
		{ query: S_ORDERS, operationName: "OrderUpdates" },
		{
			next(result) {
				if (result.errors?.length) return showError($("order-msg"), toApiError(result.errors));
				const order = result.data?.orderUpdated;
				if (!order || !upsertOrder(order)) return;
				renderOrders(order.id);
				if (order.status === "FINISHED") {
					toast(`Paid: ${order.description} · ${formatMoney(order.amount)}`, "ok");
					refreshAccount().catch(err => showError($("account-msg"), err));
				} else if (order.status === "CANCELED") {
					toast(`Canceled: ${order.description} — ${REASONS[order.reason] ?? order.reason}`, "bad");
				}
			},
			error(errors) {
				showError($("order-msg"), Array.isArray(errors) ? toApiError(errors) : new ApiError("Live updates stopped."));
			},
		},
	);
}

// ---------------------------------------------------------------- user

function setUser(userId) {
	state.userId = userId.toLowerCase();
	state.generation++;
	localStorage.setItem(USER_KEY, state.userId);
	$("user-id").value = state.userId;
	$("user-short").textContent = state.userId;
	$("user-short").title = state.userId;
	$("user-avatar").textContent = state.userId.slice(0, 2).toUpperCase();
	// A stable colour per user, so switching is visible at a glance.
	$("user-avatar").style.setProperty("--avatar", `hsl(${parseInt(state.userId.slice(0, 6), 16) % 360} 55% 42%)`);
	state.account = undefined;
	state.orders = new Map();
	state.ledger = [];
	state.ordersTotal = state.ordersPage = state.ordersPages = 0;
	renderAccount();
	renderOrders();
	renderLedger();
	for (const box of ["account-msg", "deposit-msg", "order-msg", "user-msg"]) clearMessage($(box));
	watchOrders();
	live.restart();
	return loadAll();
}

$("user-form").addEventListener("submit", event => {
	event.preventDefault();
	const input = $("user-id");
	const value = input.value.trim();
	clearMessage($("user-msg"), { userId: input });
	if (!UUID.test(value)) {
		return showError($("user-msg"), new ApiError("A user id is a UUID, like 3f2b8c1e-5a4d-4e6f-9b7a-1c2d3e4f5a6b.", { code: "BAD_USER_INPUT", fields: [{ field: "userId", message: "" }] }), { userId: input });
	}
	if (value.toLowerCase() !== state.userId) setUser(value);
	$("user-details").open = false;
});

$("user-new").addEventListener("click", () => {
	setUser(newKey());
	$("user-details").open = false;
	toast("New user: open an account to start.");
});

// ---------------------------------------------------------------- account

$("create-account").addEventListener("click", event =>
	busy(event.currentTarget, async () => {
		clearMessage($("account-msg"));
		try {
			const data = await gql(state.userId, M_CREATE_ACCOUNT);
			state.account = data.createAccount;
			renderAccount();
			renderLedger();
			toast("Account opened.", "ok");
			$("deposit-amount").focus();
		} catch (err) {
			showError($("account-msg"), err);
			if (err.code === "CONFLICT") await refreshAccount();
		}
	}),
);

$("refresh").addEventListener("click", () => loadAll());

const depositForm = $("deposit-form");
const depositInputs = { amount: $("deposit-amount") };

async function deposit(text) {
	const box = $("deposit-msg");
	clearMessage(box, depositInputs);
	const button = depositForm.querySelector("button[type=submit]");
	await busy(button, async () => {
		try {
			const amount = parseRubles(text, "amount");
			// One key per intended top-up: a retry after a lost answer cannot credit twice.
			const key = depositForm.dataset.key && depositForm.dataset.amount === String(amount) ? depositForm.dataset.key : newKey();
			Object.assign(depositForm.dataset, { key, amount: String(amount) });
			const data = await gql(state.userId, M_DEPOSIT, { amount, key });
			delete depositForm.dataset.key;
			state.account = { ...state.account, balance: data.deposit.balance };
			renderAccount();
			depositInputs.amount.value = "";
			toast(`Topped up by ${formatMoney(amount)}.`, "ok");
			await loadLedger(state.generation);
		} catch (err) {
			showError(box, err, depositInputs);
			if (err.code === "NOT_FOUND") await refreshAccount();
		}
	});
}

depositForm.addEventListener("submit", event => {
	event.preventDefault();
	deposit(depositInputs.amount.value);
});
for (const chip of document.querySelectorAll(".chip[data-amount]")) {
	chip.addEventListener("click", () => deposit(chip.dataset.amount));
}
depositInputs.amount.addEventListener("input", () => depositInputs.amount.removeAttribute("aria-invalid"));

// ---------------------------------------------------------------- orders

const orderForm = $("order-form");
const orderInputs = { amount: $("order-amount"), description: $("order-description") };

orderForm.addEventListener("submit", event => {
	event.preventDefault();
	const box = $("order-msg");
	clearMessage(box, orderInputs);
	busy(orderForm.querySelector("button[type=submit]"), async () => {
		try {
			const description = orderInputs.description.value;
			const amount = parseRubles(orderInputs.amount.value, "amount");
			const request = JSON.stringify([amount, description]);
			const key = orderForm.dataset.key && orderForm.dataset.request === request ? orderForm.dataset.key : newKey();
			Object.assign(orderForm.dataset, { key, request });
			const data = await gql(state.userId, M_ORDER, { amount, description, key });
			delete orderForm.dataset.key;
			if (upsertOrder(data.createOrder)) renderOrders(data.createOrder.id);
			orderInputs.description.value = "";
			orderInputs.amount.value = "";
			orderInputs.description.focus();
		} catch (err) {
			showError(box, err, orderInputs);
		}
	});
});
for (const input of Object.values(orderInputs)) input.addEventListener("input", () => input.removeAttribute("aria-invalid"));

$("orders-more").addEventListener("click", event => busy(event.currentTarget, () => loadMoreOrders().catch(err => showError($("order-msg"), err))));

// ---------------------------------------------------------------- start

const stored = localStorage.getItem(USER_KEY);
setUser(stored && UUID.test(stored) ? stored : newKey());
