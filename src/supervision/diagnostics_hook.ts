/**
 * Every `interval` steps, the gradient each loss puts on the shared features
 * (src/supervision/gradient_diagnostics.ts), logged as `diag/...` at the
 * step about to run, on that step's batch. The extra passes leave training
 * untouched: the run's generator and every buffer (BN statistics) are put
 * back as they were, so a run with diagnostics trains bit for bit as one
 * without them.
 */
import { inScope } from '../engine/step.js';
import { tf, type Tensor } from '../engine/tf.js';
import type { Batch } from '../data/types.js';
import type { IterationInfo } from '../detection/types.js';
import type { DiagnosticTap } from '../train/train.section.js';
import { supervisionGradients, type DiagnosedModel } from './gradient_diagnostics.js';
import type { Module } from '../nn/module.js';
import { PRIORITY, type Hook, type RunControl } from '../train/hooks.js';
import type { PhasePlan } from '../train/phases.js';

export class SupervisionDiagnosticsHook implements Hook {
  readonly name = 'supervision_diagnostics';
  readonly priority = PRIORITY.high;

  constructor(
    private readonly model: DiagnosedModel & Module,
    private readonly phases: PhasePlan,
    /** Steps between measurements (the first at step `interval`). */
    private readonly interval: number,
    private readonly tap: DiagnosticTap,
  ) {
    if (!Number.isInteger(interval) || interval < 1) throw new Error(`diagnostics interval must be a positive integer, got ${interval}`);
  }

  beforeTrainStep(run: RunControl, info: IterationInfo, batch: unknown): void {
    const step = info.iter + 1;
    if (step % this.interval !== 0) return;
    const t0 = performance.now();
    const rng = run.rng.getState();
    const buffers = this.model.namedBuffers().map(([, v]) => [v, tf.clone(v)] as const);
    let metrics: Record<string, number>;
    try {
      metrics = inScope(() => supervisionGradients(this.model, batch as Batch, info, (term) => this.phases.lossWeight(term, info.iter), this.tap));
    } finally {
      run.rng.setState(rng);
      for (const [v, saved] of buffers) {
        v.assign(saved);
        (saved as Tensor).dispose();
      }
    }
    metrics['diag/seconds'] = (performance.now() - t0) / 1000;
    run.log([{ step, metrics }]);
  }
}
