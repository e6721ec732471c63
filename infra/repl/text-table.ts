/** Plain aligned columns: readable in a terminal, in a log and in the README's sample session. */
export function textTable(header: string[], rows: (string | number)[][]): string {
	const numeric = header.map((_, i) => rows.length > 0 && rows.every(r => typeof r[i] === "number"));
	const cells = [header, ...rows.map(r => r.map(String))];
	const widths = header.map((_, i) => Math.max(...cells.map(r => (r[i] ?? "").length)));
	const line = (r: string[]) =>
		r
			.map((cell, i) => (numeric[i] ? cell.padStart(widths[i]) : cell.padEnd(widths[i])))
			.join("  ")
			.trimEnd();
	return [line(header), widths.map(w => "-".repeat(w)).join("  "), ...cells.slice(1).map(line)].join("\n");
}

export function ageOf(ms: number | null): string {
	if (ms === null) return "-";
	if (ms < 1000) return `${ms} ms`;
	if (ms < 120_000) return `${(ms / 1000).toFixed(1)} s`;
	return `${Math.round(ms / 60_000)} min`;
}
