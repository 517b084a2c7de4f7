/**
 * `metrics.jsonl` in a run's work directory: the ground truth of every metric
 * a run logged. One line per `logMetrics` call:
 *
 *     {"step":120,"ts":1700000000123,"metrics":{"loss":0.53,"lr":0.01,"loss_aux":"NaN"}}
 *
 * `step` is the integer training step, `ts` the wall-clock time in ms, and
 * non-finite values are written as the strings "NaN", "Infinity" and
 * "-Infinity" (the proto-JSON spelling MLflow uses), since JSON has no such
 * numbers. Each line is written with one O_APPEND write and no fsync (a
 * per-step fsync would cost more than the 1 % budget on slow disks): a killed
 * process loses nothing, a power loss at most the last lines; a torn last line
 * is skipped on read and cut before the next append.
 * Stores are reconciled against this file (see sync.ts).
 */
import { appendFileSync, existsSync, readFileSync, truncateSync } from 'node:fs';

export type JsonMetricValue = number | 'NaN' | 'Infinity' | '-Infinity';

export interface MetricsLine {
  step: number;
  ts: number;
  metrics: Record<string, JsonMetricValue>;
}

/** One metric point as stores keep it. */
export interface MetricPoint {
  key: string;
  value: number;
  timestamp: number;
  step: number;
}

export function encodeMetricValue(value: number): JsonMetricValue {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return 'Infinity';
  if (value === -Infinity) return '-Infinity';
  return value;
}

export function decodeMetricValue(value: unknown): number {
  if (typeof value === 'number') return value;
  if (value === 'NaN') return NaN;
  if (value === 'Infinity') return Infinity;
  if (value === '-Infinity') return -Infinity;
  throw new Error(`not a metric value: ${JSON.stringify(value)}`);
}

export function formatMetricsLine(step: number, ts: number, metrics: Record<string, number>): string {
  const encoded: Record<string, JsonMetricValue> = {};
  for (const [k, v] of Object.entries(metrics)) encoded[k] = encodeMetricValue(v);
  return `${JSON.stringify({ step, ts, metrics: encoded })}\n`;
}

export function appendMetricsLine(file: string, step: number, ts: number, metrics: Record<string, number>): void {
  appendFileSync(file, formatMetricsLine(step, ts, metrics), { flag: 'a' });
}

/** Drops a torn last line (a write cut by a crash), so that the next append starts on a line of its own. */
export function cutTornTail(file: string): void {
  if (!existsSync(file)) return;
  const text = readFileSync(file);
  if (text.length === 0 || text[text.length - 1] === 0x0a) return;
  truncateSync(file, text.lastIndexOf(0x0a) + 1);
}

/** Every point of `file` in file order; a missing file has none. Malformed lines other than a torn last one are errors. */
export function readMetricsLog(file: string): MetricPoint[] {
  if (!existsSync(file)) return [];
  const lines = readFileSync(file, 'utf8').split('\n');
  const points: MetricPoint[] = [];
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    let parsed: MetricsLine;
    try {
      parsed = JSON.parse(line) as MetricsLine;
    } catch {
      if (i === lines.length - 1) return; // torn final write
      throw new Error(`${file}:${i + 1}: not a JSON line`);
    }
    if (!Number.isInteger(parsed.step) || !Number.isInteger(parsed.ts) || typeof parsed.metrics !== 'object' || parsed.metrics === null) {
      throw new Error(`${file}:${i + 1}: expected {"step":int,"ts":int,"metrics":{...}}`);
    }
    for (const [key, raw] of Object.entries(parsed.metrics)) {
      let value: number;
      try {
        value = decodeMetricValue(raw);
      } catch (err) {
        throw new Error(`${file}:${i + 1}: metric ${JSON.stringify(key)}: ${(err as Error).message}`);
      }
      points.push({ key, value, timestamp: parsed.ts, step: parsed.step });
    }
  });
  return points;
}

/**
 * Identity of a point for reconciliation. Servers with a SQL store clamp ±Infinity
 * to ±Number.MAX_VALUE and return NaN as "NaN", so those compare equal here.
 */
export function pointIdentity(p: MetricPoint): string {
  let v: string;
  if (Number.isNaN(p.value)) v = 'NaN';
  else if (p.value >= Number.MAX_VALUE) v = 'Infinity';
  else if (p.value <= -Number.MAX_VALUE) v = '-Infinity';
  else v = String(p.value);
  return `${p.step} ${p.timestamp} ${v}`;
}
