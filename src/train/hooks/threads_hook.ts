/**
 * Logs `engine/threads`, the GEMM threads the steps run with, in a sweep trial
 * whose executor may give it idle cores mid-run (src/train/thread_grant.ts):
 * the count at the first step of the run (or of the resumed part), then at the
 * first step after each change, so a faster end of `step_time` is explained
 * where runs are compared. A grant applies when it arrives; it is logged here,
 * at a step boundary, so the line obeys the metrics log's resume rule.
 */
import { engineInfo } from '../../engine/init.js';
import { PRIORITY, type Hook, type RunControl } from '../hooks.js';

export class ThreadsHook implements Hook {
  readonly name = 'engine_threads';
  readonly priority = PRIORITY.high;
  private logged: number | undefined;

  beforeStep(run: RunControl): void {
    const threads = engineInfo()?.threads;
    if (threads === undefined || threads === this.logged) return;
    this.logged = threads;
    run.log([{ step: run.iter + 1, metrics: { 'engine/threads': threads } }]);
  }
}
