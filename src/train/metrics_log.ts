/**
 * `metrics.jsonl`: the run's ground truth, one JSON object per line, each with
 * `step` (the 1-based iteration it belongs to). Each `append` writes its lines
 * in one write and fsyncs, so a SIGKILL loses at most the group in flight
 * (a torn last line is recognised and dropped on resume).
 *
 * Resume rule: a checkpoint at iteration N is written after every line of
 * steps <= N (hooks log before they checkpoint). Resuming from it keeps the
 * lines with `step <= N` and drops the later ones, which the resumed run
 * writes again; so the file ends up with every line exactly once.
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';

export interface MetricsRecord {
  step: number;
  [key: string]: unknown;
}

export class MetricsLog {
  private fd: number | undefined;

  private constructor(readonly path: string) {
    this.fd = openSync(path, 'a');
  }

  /** Opens (creating) the log; with `keepUpTo`, first drops the lines of later steps and any torn line. */
  static open(path: string, keepUpTo?: number): MetricsLog {
    if (keepUpTo !== undefined && existsSync(path)) truncateAfter(path, keepUpTo);
    return new MetricsLog(path);
  }

  append(records: readonly MetricsRecord[]): void {
    if (this.fd === undefined) throw new Error(`metrics log ${this.path} is closed`);
    if (records.length === 0) return;
    writeSync(this.fd, records.map((r) => `${JSON.stringify(r, finite)}\n`).join(''));
    fsyncSync(this.fd);
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

/** JSON has no NaN/Infinity: they are written as strings, as MLflow's REST API spells them. */
function finite(_key: string, value: unknown): unknown {
  if (typeof value === 'number' && !Number.isFinite(value)) return Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity';
  return value;
}

/** Every complete line of a metrics file. */
export function readMetrics(path: string): MetricsRecord[] {
  return completeLines(readFileSync(path, 'utf8')).map((line) => JSON.parse(line) as MetricsRecord);
}

function completeLines(text: string): string[] {
  const lines = text.split('\n');
  lines.pop(); // the text after the last newline: empty, or a torn write
  return lines.filter((l) => {
    if (l.length === 0) return false;
    try {
      JSON.parse(l);
      return true;
    } catch {
      return false;
    }
  });
}

function truncateAfter(path: string, step: number): void {
  const kept = completeLines(readFileSync(path, 'utf8')).filter((l) => (JSON.parse(l) as MetricsRecord).step <= step);
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, kept.map((l) => `${l}\n`).join(''));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}
