/** The run state a checkpoint test saves: a loader position and a hook's state, so a round trip has something to lose. */
import { CHECKPOINT_FORMAT, type CheckpointState } from '../../src/train/checkpoint.js';

export function checkpointState(iter: number): CheckpointState {
  return { format: CHECKPOINT_FORMAT, iter, maxIters: 100, rng: [1, 2, 3, 4], loader: { position: iter * 2, iter }, optimizers: {}, schedules: {}, hooks: { eval: { best: null } }, savedAt: 'now' };
}
