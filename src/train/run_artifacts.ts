/**
 * What a finished (or stopped) run tells its tracked run about its
 * checkpoints: their paths as tags, `detlab.checkpoint.final` (the newest
 * iteration checkpoint) and `detlab.checkpoint.best` (the EvalHook's best),
 * and, when asked (`tracking.log_checkpoints`), the files themselves as
 * artifacts under `checkpoints/<name>/`; they can be large, so not by default.
 */
import { existsSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { RunTracker } from '../track/tracker.js';
import { latestCheckpoint } from './checkpoint.js';

export function recordCheckpoints(tracker: RunTracker, runDir: string, upload: boolean): void {
  const checkpoints = join(runDir, 'checkpoints');
  const final = latestCheckpoint(checkpoints);
  const best = join(checkpoints, 'best');
  const found: Record<string, string> = {};
  if (final !== undefined) found['detlab.checkpoint.final'] = final;
  if (existsSync(join(best, 'state.json'))) found['detlab.checkpoint.best'] = best;
  if (Object.keys(found).length === 0) return;
  tracker.setTags(found);
  if (!upload) return;
  for (const dir of Object.values(found)) {
    for (const file of readdirSync(dir)) tracker.logArtifact(join(dir, file), `checkpoints/${basename(dir)}`);
  }
}
