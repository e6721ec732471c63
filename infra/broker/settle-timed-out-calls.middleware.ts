/**
 * Lets a timed-out remote call settle, so the node can still stop gracefully.
 *
 * In moleculer 0.15 a remote call that times out is answered with RequestTimeoutError by the
 * Timeout middleware, and the ErrorHandler then drops the call's pending request from the
 * transit without rejecting it. The promise underneath never settles, so the ContextTracker,
 * which wraps it, keeps the context forever: a single timed-out call (say, to an instance that
 * was killed and is not yet known to be gone) makes every later stop of the node wait the whole
 * `tracking.shutdownTimeout` and end with GracefulStopTimeoutError, and each such context stays
 * in memory until then.
 *
 * User middlewares sit inside the ContextTracker and Timeout, so this one sees the bare remote
 * call: it rejects it a moment after the caller's timeout has fired. The caller has already had
 * its RequestTimeoutError by then; only the tracker, which was still waiting, hears this one.
 */
import { Errors, type Context, type Middleware } from "moleculer";

/** After the caller's own timeout, so that one always answers the caller first. */
const GRACE_MS = 250;

export const settleTimedOutCallsMiddleware: Middleware = {
	name: "SettleTimedOutCalls",
	remoteAction(next: (ctx: Context) => Promise<unknown>) {
		return function settleTimedOutCall(ctx: Context): Promise<unknown> {
			const call = next(ctx);
			const timeout = ctx.options.timeout ?? 0;
			if (!(timeout > 0)) return call;
			let timer: NodeJS.Timeout | undefined;
			const abandoned = new Promise<never>((_, reject) => {
				timer = setTimeout(
					() => reject(new Errors.RequestTimeoutError({ action: ctx.action?.name ?? "unknown", nodeID: ctx.nodeID ?? "unknown" })),
					timeout + GRACE_MS,
				);
				timer.unref();
			});
			return Promise.race([call, abandoned]).finally(() => clearTimeout(timer));
		};
	},
};
