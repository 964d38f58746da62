/**
 * Upload progress on stderr. Uploads over 1 MB get a bar redrawn in place
 * when stderr is a terminal, and one summary line when it is not (CI logs,
 * pipes), so logs are not flooded with carriage returns.
 */
import { bytes } from './output.ts';

export const PROGRESS_THRESHOLD = 1024 * 1024;

export interface ProgressSink {
  readonly isTTY: boolean;
  readonly columns?: number;
  write(text: string): void;
}

export interface Progress {
  update(sent: number, total: number | undefined): void;
  /** Ends the bar (or prints the summary line). */
  finish(): void;
}

export function createProgress(
  label: string,
  size: number,
  sink: ProgressSink,
  now: () => number = () => Date.now(),
): Progress {
  const started = now();
  let last = -1;
  let sent = 0;
  const active = size > PROGRESS_THRESHOLD;
  return {
    update(n, total) {
      sent = n;
      if (!active || !sink.isTTY) return;
      const whole = total ?? size;
      const pct = whole > 0 ? Math.min(100, Math.floor((n / whole) * 100)) : 0;
      if (pct === last) return;
      last = pct;
      const width = Math.max(10, Math.min(40, (sink.columns || 80) - label.length - 40));
      const filled = Math.round((pct / 100) * width);
      const bar = '#'.repeat(filled) + '-'.repeat(width - filled);
      sink.write(`\r${label} [${bar}] ${String(pct).padStart(3)}% ${bytes(n)}/${bytes(whole)}`);
    },
    finish() {
      if (!active) return;
      const seconds = Math.max(0.001, (now() - started) / 1000);
      const rate = `${bytes(Math.round(sent / seconds))}/s`;
      const summary = `${label}: uploaded ${bytes(sent)} in ${seconds.toFixed(1)}s (${rate})`;
      sink.write(sink.isTTY ? `\r\x1b[2K${summary}\n` : `${summary}\n`);
    },
  };
}

export function stderrSink(): ProgressSink {
  return {
    isTTY: process.stderr.isTTY === true,
    columns: process.stderr.columns,
    write: (text) => process.stderr.write(text),
  };
}
