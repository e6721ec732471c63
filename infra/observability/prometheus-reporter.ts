/**
 * Moleculer's Prometheus reporter with two corrections:
 * - a port already in use costs the metrics endpoint, with a warning, not the process: the stock
 *   reporter leaves the server's "error" event unhandled, which would crash a node (an order
 *   service must not die because a second gateway on the same host holds 3030);
 * - histograms with buckets only also get their `_sum` and `_count` series, which the stock
 *   reporter prints only for quantile histograms and which Prometheus needs for averages and
 *   rates (`rate(x_sum[5m]) / rate(x_count[5m])`).
 * Registered under the reporter type "GozonPrometheus" so every broker gets its own instance.
 */
import { MetricReporters } from "moleculer";

type Registry = Parameters<InstanceType<typeof MetricReporters.Prometheus>["init"]>[0];
interface HistogramLike {
	name: string;
	type: string;
	quantiles?: unknown;
	snapshot(): { labels: Record<string, unknown>; sum: number; count: number }[];
}

export class GozonPrometheusReporter extends MetricReporters.Prometheus {
	override init(registry: Registry): void {
		super.init(registry);
		this.server.on("error", (err: Error) => {
			this.logger.warn(`metrics endpoint not served on port ${this.opts.port}: ${err.message}`);
		});
	}

	override stop(): Promise<void> {
		if (!this.server.listening) return Promise.resolve();
		return super.stop();
	}

	override generatePrometheusResponse(): string {
		const histograms = new Map<string, HistogramLike>();
		(this.registry as unknown as { store: Map<string, HistogramLike> }).store.forEach(metric => {
			if (metric.type === "histogram" && !metric.quantiles && this.matchMetricName(metric.name)) {
				histograms.set(this.formatMetricName(metric.name).replace(/[.-]/g, "_"), metric);
			}
		});
		const blocks = super
			.generatePrometheusResponse()
			.split(/\n{2,}/)
			.filter(block => block.trim() !== "");
		return `${blocks
			.map(block => {
				const name = /^# HELP (\S+)/.exec(block)?.[1];
				const metric = name ? histograms.get(name) : undefined;
				if (!metric) return block;
				const extra = metric.snapshot().flatMap(item => {
					const labels = this.labelsToStr(item.labels);
					return [`${name}_sum${labels} ${item.sum}`, `${name}_count${labels} ${item.count}`];
				});
				return [block, ...extra].join("\n");
			})
			.join("\n\n")}\n`;
	}
}

// The declared type wants an instance; Moleculer resolves the name to this class.
MetricReporters.register("GozonPrometheus", GozonPrometheusReporter as never);
