/**
 * Extending a run on resume: `--resume` with a larger `train.max_iters` than
 * the checkpoint's run had continues the run to the new length, as MMEngine's
 * and Detectron2's users do by raising the iteration count of a stopped or
 * finished run. Schedules and phases are pure functions of (iteration,
 * max_iters), so they are recomputed for the new length: a cosine stretches, a
 * step written as a fraction moves. Both forms are recorded, in the run's
 * `extensions.jsonl`, its config.yaml (which takes the new length) and, through
 * the caller, the tracked run's tags. A shorter run is refused: steps already
 * taken followed the longer schedule.
 */
import { appendFileSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { UserError } from '../config/errors.js';
import { dumpYaml } from '../config/dump.js';
import type { CheckpointState } from './checkpoint.js';

/** The config keys a resume may change without starting a new run. */
export const EXTENDABLE_ON_RESUME = ['train.max_iters'] as const;

export interface RunExtension {
  time: string;
  checkpoint: string;
  /** Completed iterations when the run was extended. */
  atIter: number;
  fromIters: number;
  toIters: number;
  /** Each optimizer's schedule before (from the checkpoint) and after. */
  schedulesBefore: Record<string, string>;
  schedulesAfter: Record<string, string>;
}

export const EXTENSIONS_FILE = 'extensions.jsonl';

function readState(checkpoint: string): CheckpointState {
  return JSON.parse(readFileSync(join(checkpoint, 'state.json'), 'utf8')) as CheckpointState;
}

/** The checkpoint's max_iters when `maxIters` extends its run, undefined when the lengths agree; throws when `maxIters` is shorter. */
export function extendedFrom(checkpoint: string, maxIters: number): number | undefined {
  const s = readState(checkpoint);
  if (s.maxIters === maxIters) return undefined;
  if (maxIters < s.maxIters) {
    throw new UserError(
      `--resume ${checkpoint}: train.max_iters ${maxIters} is shorter than the run's ${s.maxIters}; a run can be extended on resume, not shortened ` +
        `(its first ${s.iter} iterations followed the schedule of ${s.maxIters}); start a new run with load_from: ${checkpoint} instead`,
    );
  }
  return s.maxIters;
}

/** Appends the extension to the run's extensions.jsonl and sets the new length in its config.yaml; returns every extension of the run so far. */
export function recordExtension(runDir: string, checkpoint: string, toIters: number, schedulesAfter: Record<string, string>): RunExtension[] {
  const s = readState(checkpoint);
  const ext: RunExtension = { time: new Date().toISOString(), checkpoint, atIter: s.iter, fromIters: s.maxIters, toIters, schedulesBefore: s.schedules, schedulesAfter };
  const file = join(runDir, EXTENSIONS_FILE);
  appendFileSync(file, `${JSON.stringify(ext)}\n`);
  const configFile = join(runDir, 'config.yaml');
  if (existsSync(configFile)) {
    const config = parseYaml(readFileSync(configFile, 'utf8')) as { train?: { max_iters?: number } };
    config.train = { ...config.train, max_iters: toIters };
    writeFileSync(`${configFile}.tmp`, dumpYaml(config as Record<string, unknown>));
    renameSync(`${configFile}.tmp`, configFile);
  }
  return readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as RunExtension);
}

/** One line per extension, for a tag and the log: `40 → 60 at iteration 40 (main: cosine to 0 ... → ...)`. */
export function describeExtension(e: RunExtension): string {
  const changed = Object.keys(e.schedulesAfter).filter((k) => e.schedulesBefore[k] !== e.schedulesAfter[k]);
  const schedules = changed.map((k) => `${k}: ${e.schedulesBefore[k] ?? '(none)'} → ${e.schedulesAfter[k]}`).join('; ');
  return `train.max_iters ${e.fromIters} → ${e.toIters} at iteration ${e.atIter}${schedules === '' ? '' : ` (${schedules})`}`;
}
