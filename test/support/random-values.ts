/**
 * A small seeded generator of hostile JSON values for fuzz tests: the seed is printed with any
 * failure, so a failing case can be replayed exactly.
 */
export function prng(seed: number): () => number {
	let state = seed >>> 0 || 1;
	return () => {
		// xorshift32
		state ^= state << 13;
		state ^= state >>> 17;
		state ^= state << 5;
		return (state >>> 0) / 0x1_0000_0000;
	};
}

export function hostileValues(random: () => number) {
	const pick = <T>(list: T[]): T => list[Math.floor(random() * list.length)];
	const strings = ["", " ", "100", "-1", "1e3", "0x10", "NaN", "null", "💸", "\u0000", "' or 1=1 --", "<script>", "x".repeat(600), "a\nb"];
	const numbers = [0, -1, 1, 1.5, -0, 1e12, 1e12 + 1, 2 ** 53, 2 ** 63, 1e300, -1e300, Number.MIN_VALUE, 0.1 + 0.2, 999_999_999_999];
	const value = (depth = 0): unknown => {
		switch (Math.floor(random() * (depth > 1 ? 5 : 7))) {
			case 0:
				return pick(numbers);
			case 1:
				return Math.floor(random() * 2 ** 31) * (random() < 0.5 ? -1 : 1);
			case 2:
				return pick(strings);
			case 3:
				return pick([true, false, null]);
			case 4:
				return random() * 1e6;
			case 5:
				return Array.from({ length: Math.floor(random() * 3) }, () => value(depth + 1));
			default:
				return Object.fromEntries(Array.from({ length: Math.floor(random() * 3) }, (_, i) => [pick(["amount", "description", "userId", "__proto__", "constructor", `k${i}`]), value(depth + 1)]));
		}
	};
	return { value, pick };
}
