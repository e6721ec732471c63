/** One status line that updates in place on a terminal, and plain lines elsewhere (CI logs). */
const tty = process.stderr.isTTY;
let last = 0;

export function progress(text: string): void {
	if (tty) {
		process.stderr.write(`\r\x1b[2K${text}`);
	} else if (Date.now() - last > 5000) {
		last = Date.now();
		process.stderr.write(`${text}\n`);
	}
}

export function step(text: string): void {
	if (tty) process.stderr.write("\r\x1b[2K");
	process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${text}\n`);
	last = 0;
}
