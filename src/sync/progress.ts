/**
 * Sync progress for people: a live line (rows and rate per stream) on a terminal, plain log
 * lines otherwise (one per stream, and one every 10 seconds on long streams).
 */
export interface Progress {
  stream(name: string): void;
  rows(name: string, count: number): void;
  done(name: string, count: number): void;
}

const fmt = new Intl.NumberFormat('en-US');
/** "1 row", "1,200 rows" (the sync layer sits below src/views, whose plural() the other messages use). */
const rowCount = (n: number) => `${fmt.format(n)} ${n === 1 ? 'row' : 'rows'}`;

export function createProgress(enabled: boolean, log: (line: string) => void, tty = process.stderr.isTTY === true): Progress {
  if (!enabled) return { stream() {}, rows() {}, done() {} };
  let started = Date.now();
  let lastLine = 0;
  const rate = (count: number) => {
    const secs = Math.max((Date.now() - started) / 1000, 0.001);
    return `${fmt.format(Math.round(count / secs))}/s`;
  };
  return {
    stream() {
      started = Date.now();
      lastLine = started;
    },
    rows(name, count) {
      const t = Date.now();
      if (tty) {
        if (t - lastLine >= 100) {
          process.stderr.write(`\r  ${name}: ${rowCount(count)} (${rate(count)})   `);
          lastLine = t;
        }
      } else if (t - lastLine >= 10_000) {
        log(`  ${name}: ${rowCount(count)} so far (${rate(count)})`);
        lastLine = t;
      }
    },
    done(name, count) {
      if (tty) process.stderr.write('\r\x1b[K');
      log(`  ${name}: ${rowCount(count)} (${rate(count)})`);
    },
  };
}
