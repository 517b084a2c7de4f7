/**
 * Saves a checkpoint every `interval` steps and after the last one, keeping
 * the newest `maxKeep` iteration checkpoints (the best one is separate). A run
 * that fails saves nothing, so the last good checkpoint stays the newest.
 */
import { join } from 'node:path';
import { ComponentError } from '../../config/errors.js';
import { pruneCheckpoints } from '../checkpoint.js';
import { PRIORITY, type Hook, type RunControl, type StepRecord } from '../hooks.js';

export class CheckpointHook implements Hook {
  readonly name = 'checkpoint';
  readonly priority = PRIORITY.low;

  constructor(
    private readonly interval: number,
    private readonly maxKeep = 0,
  ) {
    if (!Number.isInteger(interval) || interval < 1) throw new ComponentError(`CheckpointHook interval must be a positive integer, got ${interval}`);
    if (!Number.isInteger(maxKeep) || maxKeep < 0) throw new ComponentError(`CheckpointHook max_keep must be an integer >= 0, got ${maxKeep}`);
  }

  async afterStep(run: RunControl, s: StepRecord): Promise<void> {
    if (s.step % this.interval !== 0 && s.step !== run.maxIters) return;
    await run.saveCheckpoint();
    pruneCheckpoints(join(run.runDir, 'checkpoints'), this.maxKeep);
  }
}
