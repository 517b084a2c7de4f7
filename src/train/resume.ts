/**
 * Which run a `detlab train` writes, and the rules that keep a run's record
 * honest. A resume continues a run exactly as it started: from its newest
 * checkpoint and with the config recorded in its config.yaml; anything else
 * (an older checkpoint, other settings) would overwrite later checkpoints and
 * mix two trainings in one metrics.jsonl and MLflow run, so it is refused
 * with the way to fork instead. A fork (`--fork CKPT`) is a new run directory
 * that starts from a copy of the checkpoint's full state (weights, optimizer,
 * schedule, RNG, data position) and the old run's metrics up to it, records
 * where it came from, and may change any setting.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { UserError } from '../config/errors.js';
import { diffConfigs, type ConfigDifference } from '../config/diff.js';
import { formatInline } from '../config/dump.js';
import type { ConfigMap } from '../config/tree.js';
import { formatMetricsLine } from '../track/metrics_log.js';
import { latestCheckpoint, listCheckpoints, verifyCheckpoint } from './checkpoint.js';
import { readMetricsLines } from './metrics_log.js';
import { createRunDir, latestRunWithCheckpoint } from './work_dir.js';

export interface ResolvedRun {
  runDir: string;
  /** The checkpoint the run continues from (in the run's own checkpoints/ for a fork). */
  checkpoint?: string;
  /** The checkpoint a fork was copied from. */
  forkedFrom?: string;
}

/** What a resume may change and still continue the same run: the schedule's length (extend_run.ts extends it, and refuses a shorter one with its own message). */
function resumable(d: ConfigDifference): boolean {
  return d.path === 'train.max_iters' && typeof d.a === 'number' && typeof d.b === 'number';
}

/** The differences between a run's recorded config and the config it is resumed with that a resume cannot honour. */
export function resumeChanges(recorded: ConfigMap, now: ConfigMap): ConfigDifference[] {
  return diffConfigs(recorded, now).filter((d) => !resumable(d));
}

const show = (v: unknown): string => (v === undefined ? '(absent)' : formatInline(v));

function forkHint(checkpoint: string): string {
  return `to train from it as a new run with any settings, use \`detlab train CONFIG --fork ${checkpoint}\` (full state) or load_from: (weights only)`;
}

/** A checkpoint directory, or the newest checkpoint of a run directory. */
function checkpointOf(path: string, flag: string): { runDir: string; checkpoint: string } {
  const full = resolve(path);
  if (existsSync(join(full, 'state.json'))) return { runDir: dirname(dirname(full)), checkpoint: full };
  if (existsSync(join(full, 'checkpoints'))) {
    const checkpoint = latestCheckpoint(join(full, 'checkpoints'));
    if (checkpoint === undefined) throw new UserError(`${flag} ${path}: the run has no complete checkpoint yet`);
    return { runDir: full, checkpoint };
  }
  throw new UserError(`${flag} ${path}: neither a checkpoint directory (with state.json) nor a run directory (with checkpoints/)`);
}

/** The run directory a `detlab train` writes: new, resumed (`resume`) or forked (`fork`). Nothing is written for a resume. */
export function resolveRun(root: string, name: string, resume: true | string | undefined, fork: string | undefined): ResolvedRun {
  if (fork !== undefined) {
    if (resume !== undefined) throw new UserError('--fork and --resume exclude each other: --resume continues a run, --fork starts a new one from a checkpoint');
    return { runDir: createRunDir(root, name).dir, forkedFrom: checkpointOf(fork, '--fork').checkpoint };
  }
  if (resume === undefined) return { runDir: createRunDir(root, name).dir };
  if (resume === true) {
    const runDir = latestRunWithCheckpoint(root, name, (d) => latestCheckpoint(join(d, 'checkpoints')) !== undefined);
    if (runDir === undefined) throw new UserError(`--resume: no run of '${name}' under ${root} has a checkpoint to resume from`);
    return { runDir, checkpoint: latestCheckpoint(join(runDir, 'checkpoints')) };
  }
  return checkpointOf(resume, '--resume');
}

/**
 * Refuses a resume that would not continue the run as it was: from a
 * checkpoint other than its newest, or with settings its config.yaml does not hold.
 */
export function checkResume(runDir: string, checkpoint: string, config: ConfigMap): void {
  verifyCheckpoint(checkpoint);
  const newest = latestCheckpoint(join(runDir, 'checkpoints'));
  if (newest === undefined || resolve(newest) !== resolve(checkpoint)) {
    const later = listCheckpoints(join(runDir, 'checkpoints')).filter((c) => basename(c) > basename(checkpoint)).map((c) => basename(c));
    throw new UserError(
      `--resume ${checkpoint}: not the newest checkpoint of ${runDir} (${later.length > 0 ? `later: ${later.join(', ')}` : `newest: ${newest === undefined ? 'none' : basename(newest)}`}); ` +
        `resuming from it would overwrite the run's later checkpoints and metrics. To resume the run, use --resume ${runDir}; ${forkHint(checkpoint)}`,
    );
  }
  const file = join(runDir, 'config.yaml');
  if (!existsSync(file)) return;
  const changes = resumeChanges(parseYaml(readFileSync(file, 'utf8')) as ConfigMap, config);
  if (changes.length === 0) return;
  const listed = changes.slice(0, 8).map((c) => `${c.path}: ${show(c.a)} -> ${show(c.b)}`).join('; ');
  throw new UserError(
    `--resume: the config differs from the run's ${file} at ${listed}${changes.length > 8 ? ` (and ${changes.length - 8} more)` : ''}; ` +
      `a resumed run keeps the settings it started with. Resume without the changes, or ${forkHint(checkpoint)}`,
  );
}

/**
 * Sets up a fork in its new run directory: a copy of the checkpoint (which the
 * runner then restores) and the source run's metrics.jsonl lines up to the
 * checkpoint's step. Returns the copied checkpoint.
 */
export function prepareFork(runDir: string, source: string): string {
  const iter = verifyCheckpoint(source).iter;
  const target = join(runDir, 'checkpoints', basename(source));
  mkdirSync(target, { recursive: true });
  for (const file of ['tensors.safetensors', 'state.json']) copyFileSync(join(source, file), join(target, file));
  const metrics = join(dirname(dirname(source)), 'metrics.jsonl');
  if (existsSync(metrics)) {
    const kept = readMetricsLines(metrics).filter((l) => l.step <= iter);
    writeFileSync(join(runDir, 'metrics.jsonl'), kept.map((l) => formatMetricsLine(l.step, l.ts, l.metrics)).join(''));
  }
  return target;
}

/**
 * Logged steps missing from metrics.jsonl up to the checkpoint being resumed
 * (lines lost to a damaged file): the resumed run cannot recompute them.
 */
export function missingLoggedSteps(metricsFile: string, checkpointIter: number, logInterval: number): number[] {
  if (!existsSync(metricsFile)) return [];
  const logged = new Set(readMetricsLines(metricsFile).filter((l) => l.metrics.loss !== undefined).map((l) => l.step));
  const missing: number[] = [];
  for (let step = logInterval; step <= checkpointIter; step += logInterval) if (!logged.has(step)) missing.push(step);
  return missing;
}
