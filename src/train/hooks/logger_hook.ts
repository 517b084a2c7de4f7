/**
 * Writes each step's losses, learning rates and throughput to `metrics.jsonl`
 * (and so to the trackers), and drives the progress display. With
 * `interval > 1` only every interval-th step is logged, with that step's own
 * values. Names: `loss` (the total), each term under its own name, `loss_det`
 * (the terms that are not a supervisor's) and each supervisor's terms again as
 * `loss_aux/<owner>/<term>`; `lr` for the first optimizer (the model's),
 * `lr_<name>` for others; `grad_norm/<name>` when clipping by norm. No name is
 * both a metric and the folder of others (`lr` beside `lr/x`): MLflow's file
 * store keeps a metric in a file at its name's path.
 */
import { ComponentError } from '../../config/errors.js';
import { PRIORITY, type Hook, type RunControl, type StepRecord } from '../hooks.js';
import type { Progress } from '../progress.js';
import { hasAuxiliaryTerms } from '../types.js';

/** `loss_det` and `loss_aux/<owner>/<term>` for each auxiliary term (see AuxiliaryTermOwners). */
function ownLoss(model: unknown, terms: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  const owners = hasAuxiliaryTerms(model) ? model : undefined;
  let own = 0;
  for (const [name, v] of Object.entries(terms)) {
    const owner = owners?.auxiliaryTermOwner(name);
    if (owner === undefined) own += v;
    else out[`loss_aux/${owner}/${name}`] = v;
  }
  out.loss_det = own;
  return out;
}

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
      const m: Record<string, number> = { loss: s.result.total, ...s.result.terms, ...ownLoss(run.model, s.result.terms) };
      // The first optimizer is the model's own (the config's `optimizer:`): its LR is `lr` whatever others exist.
      lrs.forEach(([name, lr], i) => (m[i === 0 ? 'lr' : `lr_${name}`] = lr));
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
