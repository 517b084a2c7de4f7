/**
 * Writes each step's losses, learning rates and throughput to `metrics.jsonl`
 * (and so to the trackers), and drives the progress display. With
 * `interval > 1` only every interval-th step is logged, with that step's own
 * values.
 */
import { ComponentError } from '../../config/errors.js';
import { PRIORITY, type Hook, type RunControl, type StepRecord } from '../hooks.js';
import type { Progress } from '../progress.js';

export class LoggerHook implements Hook {
  readonly name = 'logger';
  readonly priority = PRIORITY.high;

  constructor(
    private readonly interval: number,
    private readonly progress?: Progress,
  ) {
    if (!Number.isInteger(interval) || interval < 1) throw new ComponentError(`LoggerHook interval must be a positive integer, got ${interval}`);
  }

  afterStep(run: RunControl, s: StepRecord): void {
    const lrs = Object.entries(s.result.lr);
    if (s.step % this.interval === 0 || s.step === run.maxIters) {
      const m: Record<string, number> = { loss: s.result.total, ...s.result.terms };
      for (const [name, lr] of lrs) m[lrs.length === 1 ? 'lr' : `lr/${name}`] = lr;
      for (const [name, n] of Object.entries(s.result.gradNorm)) m[`grad_norm/${name}`] = n;
      m.step_time = s.seconds;
      m.images_per_s = s.images / Math.max(s.seconds, 1e-9);
      run.log([{ step: s.step, metrics: m }]);
    }
    this.progress?.update({ step: s.step, loss: s.result.total, lr: lrs[0]?.[1] ?? 0, seconds: s.seconds, images: s.images });
  }

  afterRun(): void {
    this.progress?.finish();
  }
}
