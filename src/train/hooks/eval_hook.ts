/**
 * Evaluates every `interval` steps and after the last one, and tracks the
 * best value of `metric`: each improvement is saved as the checkpoint `best`
 * and recorded in `best.json`. The best-so-far is hook state, so it survives
 * a resume.
 */
import { writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { ComponentError } from '../../config/errors.js';
import { PRIORITY, type Hook, type RunControl, type StepRecord } from '../hooks.js';

interface Best {
  metric: string;
  value: number;
  step: number;
}

export class EvalHook implements Hook {
  readonly name = 'eval';
  readonly priority = PRIORITY.normal;
  private best: Best | undefined;

  constructor(
    private readonly interval: number,
    /** The metric to track; empty disables best-checkpoint tracking. */
    private readonly metric: string,
    private readonly rule: 'greater' | 'less' = 'greater',
  ) {
    if (!Number.isInteger(interval) || interval < 1) throw new ComponentError(`EvalHook interval must be a positive integer, got ${interval}`);
  }

  async afterStep(run: RunControl, s: StepRecord): Promise<void> {
    if (s.step % this.interval !== 0 && s.step !== run.maxIters) return;
    const metrics = await run.evaluate();
    run.print(`evaluation at iteration ${s.step}: ${Object.entries(metrics).map(([k, v]) => `${k} ${v.toFixed(4)}`).join(', ')}`);
    if (this.metric === '') return;
    const value = metrics[this.metric];
    if (value === undefined) throw new ComponentError(`EvalHook metric '${this.metric}' is not among the evaluation results (${Object.keys(metrics).join(', ')})`);
    const better = this.best === undefined || (this.rule === 'greater' ? value > this.best.value : value < this.best.value);
    if (!better) return;
    this.best = { metric: this.metric, value, step: s.step };
    await run.saveCheckpoint('best');
    const path = join(run.runDir, 'best.json');
    writeFileSync(`${path}.tmp`, `${JSON.stringify(this.best)}\n`);
    renameSync(`${path}.tmp`, path);
  }

  stateDict(): unknown {
    return { best: this.best ?? null };
  }

  loadStateDict(state: unknown): void {
    const best = (state as { best?: Best | null }).best;
    this.best = best ?? undefined;
  }
}
