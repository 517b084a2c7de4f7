/**
 * `metrics.jsonl`, the run's ground truth, in the tracking format
 * (src/track/metrics_log.ts): one `{"step","ts","metrics":{...}}` line per
 * logged group, `step` being the 1-based iteration. Lines are written by the
 * MLflow tracker when there is one (it reconciles the server against this
 * file), otherwise appended here with one write and an fsync per group.
 * Either way each line is written whole or, on a kill, torn at the end.
 *
 * Resume rule (exactly once): on resume the torn tail, if any, is cut, and a
 * metric already in the file at a step is not written again for that step.
 * The resumed run recomputes steps after its checkpoint (identically, see the
 * resume tests) but logs only what the killed run had not logged yet, so
 * nothing already sent to MLflow is sent twice and nothing is lost.
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, truncateSync, writeSync } from 'node:fs';
import { formatMetricsLine, decodeMetricValue, type JsonMetricValue } from '../track/metrics_log.js';

export interface MetricsRecord {
  step: number;
  /** Wall-clock ms; defaults to the time of logging. */
  ts?: number;
  metrics: Record<string, number>;
}

/** Writes one line for `step` (the tracker's `logMetrics` has this shape). */
export type MetricsWriter = (step: number, metrics: Record<string, number>, ts: number) => void;

export class MetricsLog {
  private readonly logged = new Map<number, Set<string>>();
  private fd: number | undefined;
  private readonly write: MetricsWriter;

  /**
   * @param resume continue an existing file under the resume rule (a fresh run starts a new file)
   * @param writer where lines go instead of this file's own fsynced appends (the tracker)
   */
  constructor(readonly path: string, resume: boolean, writer?: MetricsWriter) {
    if (resume && existsSync(path)) {
      cutTornTail(path);
      for (const line of readMetricsLines(path)) {
        const keys = this.logged.get(line.step) ?? new Set<string>();
        for (const k of Object.keys(line.metrics)) keys.add(k);
        this.logged.set(line.step, keys);
      }
    }
    if (writer !== undefined) {
      this.write = writer;
    } else {
      const fd = openSync(path, 'a');
      this.fd = fd;
      this.write = (step, metrics, ts) => {
        writeSync(fd, formatMetricsLine(step, ts, metrics));
        fsyncSync(fd);
      };
    }
  }

  append(records: readonly MetricsRecord[]): void {
    for (const r of records) {
      const seen = this.logged.get(r.step);
      const fresh = seen === undefined ? r.metrics : Object.fromEntries(Object.entries(r.metrics).filter(([k]) => !seen.has(k)));
      if (Object.keys(fresh).length === 0) continue;
      this.write(r.step, fresh, r.ts ?? Date.now());
    }
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

export interface MetricsLine {
  step: number;
  ts: number;
  metrics: Record<string, number>;
}

/** Every complete line of a metrics file (a torn last line is skipped). */
export function readMetricsLines(path: string): MetricsLine[] {
  const lines = readFileSync(path, 'utf8').split('\n');
  const out: MetricsLine[] = [];
  lines.forEach((text, i) => {
    if (text.trim() === '') return;
    let parsed: { step: number; ts: number; metrics: Record<string, JsonMetricValue> };
    try {
      parsed = JSON.parse(text) as typeof parsed;
    } catch {
      if (i === lines.length - 1) return;
      throw new Error(`${path}:${i + 1}: not a JSON line`);
    }
    const metrics: Record<string, number> = {};
    for (const [k, v] of Object.entries(parsed.metrics)) metrics[k] = decodeMetricValue(v);
    out.push({ step: parsed.step, ts: parsed.ts, metrics });
  });
  return out;
}

/** Drops bytes after the last newline: the remains of a write cut by a kill. */
function cutTornTail(path: string): void {
  const buf = readFileSync(path);
  const end = buf.lastIndexOf(0x0a) + 1;
  if (end < buf.length) truncateSync(path, end);
}
