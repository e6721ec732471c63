/** Reads a Prometheus text exposition: enough to find a series by name and labels in a test. */
export interface Series {
	name: string;
	labels: Record<string, string>;
	value: number;
}

export function parsePrometheus(text: string): Series[] {
	const series: Series[] = [];
	for (const line of text.split("\n")) {
		if (line === "" || line.startsWith("#")) continue;
		const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)$/.exec(line);
		if (!match) throw new Error(`not a Prometheus sample line: ${line}`);
		const labels: Record<string, string> = {};
		for (const [, key, value] of (match[2] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[key] = value;
		series.push({ name: match[1], labels, value: Number(match[3]) });
	}
	return series;
}

/** The sum of every series of `name` whose labels include `labels` (0 when there is none). */
export function valueOf(all: Series[], name: string, labels: Record<string, string> = {}): number {
	return all
		.filter(s => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
		.reduce((sum, s) => sum + s.value, 0);
}

export function has(all: Series[], name: string, labels: Record<string, string> = {}): boolean {
	return all.some(s => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
}

export async function scrape(url: string): Promise<Series[]> {
	const res = await fetch(url);
	if (res.status !== 200) throw new Error(`${url} answered ${res.status}`);
	return parsePrometheus(await res.text());
}
