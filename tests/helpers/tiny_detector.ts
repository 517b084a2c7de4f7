/** A RetinaNet trained for 2 iterations on 64 px shapes (seconds), for the inference, browse and export tests. */
import { join, resolve } from 'node:path';
import { runTraining } from '../../src/train/session.js';

export const TINY_CONFIG = resolve(import.meta.dirname, '../../../tests/sweep/fixtures/tiny_retinanet.yaml');

export interface TinyDetector {
  checkpoint: string;
  /** The overrides it was trained with (its shapes under the test's folder), as `--set` values. */
  sets: string[];
}

export async function trainTinyDetector(dir: string): Promise<TinyDetector> {
  const shapes = join(dir, 'shapes');
  // Score threshold 0: a 2-iteration detector's scores are all near the focal-loss prior (0.01).
  const sets = [`data.train.dataset.root=${shapes}`, `data.val.dataset.root=${shapes}`, `++tracking.uri=${join(dir, 'mlruns')}`, '++visualization.images=0', '+model.head.test_cfg.score_thr=0'];
  const sink = { write: () => true } as unknown as NodeJS.WritableStream;
  const report = await runTraining({ configFile: TINY_CONFIG, overrides: ['train.max_iters=2', ...sets], workDir: join(dir, 'work'), out: sink });
  if (report.lastCheckpoint === undefined) throw new Error('the tiny run saved no checkpoint');
  return { checkpoint: report.lastCheckpoint, sets };
}

/**
 * How many leading detections (highest score first) are more than `gap`
 * apart in score from the next one, up to `max`: their order cannot flip
 * when another kernel path or batch rounds differently.
 */
export function settledCount(scores: readonly number[], max: number, gap = 1e-6): number {
  let k = Math.min(max, scores.length);
  while (k > 0 && k < scores.length && scores[k - 1] - scores[k] <= gap) k -= 1;
  return k;
}
