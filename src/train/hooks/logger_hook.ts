/**
 * Writes each step's losses, learning rates and throughput to `metrics.jsonl`
 * (and so to the trackers), and drives the progress display. With
 * `interval > 1` only every interval-th step is logged, with that step's own
 * values.
 */
import { PRIORITY, type Hook, type RunControl, type StepRecord } from '../hooks.js';
import type { MetricsRecord } from '../metrics_log.js';
import type { Progress } from '../progress.js';

export class LoggerHook implements Hook {
  readonly name = 'logger';
  readonly priority = PRIORITY.high;

  constructor(
    private readonly interval: number,
    private readonly progress?: Progress,
  ) {
    if (!Number.isInteger(interval) || interval < 1) throw new Error(`LoggerHook interval must be a positive integer, got ${interval}`);
  }

  afterStep(run: RunControl, s: StepRecord): void {
    const lrs = Object.entries(s.result.lr);
    if (s.step % this.interval === 0 || s.step === run.maxIters) {
      const record: MetricsRecord = { step: s.step, time: Date.now(), loss: s.result.total, ...s.result.terms };
      for (const [name, lr] of lrs) record[lrs.length === 1 ? 'lr' : `lr/${name}`] = lr;
      for (const [name, n] of Object.entries(s.result.gradNorm)) record[`grad_norm/${name}`] = n;
      record.step_time = s.seconds;
      record.images_per_s = s.images / Math.max(s.seconds, 1e-9);
      run.log([record]);
    }
    this.progress?.update({ step: s.step, loss: s.result.total, lr: lrs[0]?.[1] ?? 0, seconds: s.seconds, images: s.images });
  }

  afterRun(): void {
    this.progress?.finish();
  }
}
