/**
 * One training run from a config file, as `detlab train` and `detlab demo`
 * run it: the run directory (new, or the one being resumed), the resolved
 * config and environment, the engine, data, model, optimizers, phases, hooks,
 * the MLflow tracker, then the runner. Everything the loop needs is built
 * here; the loop itself is runner.ts.
 */
import { appendFileSync, writeFileSync, mkdirSync, renameSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { hostname } from 'node:os';
import { basename, extname, join, resolve } from 'node:path';
import { UserError } from '../config/errors.js';
import { onInterrupt } from './interrupt.js';
import { seedInitialisers } from '../nn/init.js';
import { formatOrigin, nearestOrigin } from '../config/origin.js';
import { dumpYaml } from '../config/dump.js';
import type { ConfigMap } from '../config/tree.js';
import { trainLoader, valLoader, type DataSplitConfig } from '../data/build.js';
import type { Batch } from '../data/types.js';
import type { Detector } from '../detection/types.js';
import { initEngine, type EngineInfo } from '../engine/init.js';
import { tf } from '../engine/tf.js';
import { jsonReport } from '../eval/index.js';
import { build, placeError, type BuildOptions } from '../registry/build.js';
import { loadValidatedConfig, type ValidatedConfig } from '../registry/load_validated.js';
import { openRun, TRAINING_CONNECT_WAIT_MS, type RunTracker } from '../track/tracker.js';
import { identityFromEnv } from '../track/trial_identity.js';
import { buildOptimizers, buildPhasePlan } from './build.js';
import { latestCheckpoint, removeUnfinishedSaves } from './checkpoint.js';
import { lockDir, type DirLock } from './dir_lock.js';
import { evaluateDetector, type DetectorEvaluation } from './evaluate.js';
import type { Hook, RunOutcome } from './hooks.js';
import type { EmaSection } from './ema.section.js';
import { describeExtension, extendedFrom, recordExtension } from './extend_run.js';
import { CheckpointHook } from './hooks/checkpoint_hook.js';
import { EmaHook } from './hooks/ema_hook.js';
import { EvalHook } from './hooks/eval_hook.js';
import { LoggerHook } from './hooks/logger_hook.js';
import { loadFrom } from './load_from.js';
import { ThreadsHook } from './hooks/threads_hook.js';
import { VisualizationHook } from './hooks/visualization_hook.js';
import type { ScheduleFactory } from './lr_schedules.js';
import { NonFiniteLossError } from './nan_guard.js';
import type { OptimizerFactory } from './optimizers/options.js';
import type { PhasePlan, PhaseSpec } from './phases.js';
import { resolvePoint } from './iter_point.js';
// upward: the session assembles a run, supervisors' diagnostics included (the loop itself knows nothing of them)
import { SupervisionDiagnosticsHook } from '../supervision/diagnostics_hook.js';
// upward: the same, to tell a detector with supervisors
import { SupervisedDetector } from '../supervision/supervised_detector.js';
// upward: the same, for DETR hosts
import { SupervisedDETR } from '../supervision/supervised_detr.js';
import { Progress } from './progress.js';
import { Rng } from './rng.js';
import { Runner } from './runner.js';
import { acceptThreadGrants } from './thread_grant.js';
import type { TrainSection } from './train.section.js';
import type { DeclaredOptimizer } from './types.js';
import type { VisualizationSection } from './visualization.section.js';
import { checkResume, missingLoggedSteps, prepareFork, resolveRun } from './resume.js';
import { recordCheckpoints } from './run_artifacts.js';

export interface TrainOptions {
  configFile: string;
  overrides?: readonly string[];
  plugins?: readonly string[];
  /** Root of the run directories (default: the config's `work_dir`, else `work_dirs`). */
  workDir?: string;
  /** `true`: the newest checkpoint of the newest run of this config; a string: a checkpoint or run directory. */
  resume?: true | string;
  /** A checkpoint (or run directory: its newest) to start a new run from, with its full state and any settings. */
  fork?: string;
  /** Where progress and messages go (default process.stdout). */
  out?: NodeJS.WritableStream & { isTTY?: boolean };
}

export interface TrainReport {
  runDir: string;
  runId: string;
  outcome: RunOutcome['status'];
  lastCheckpoint?: string;
  /** The last evaluation, when the run evaluated. */
  evaluation?: DetectorEvaluation;
  trackingLocation: string;
  trackingRunId?: string;
  experimentName: string;
}

/** Where a config key was set, for messages: `file:line`, `--set ...`, or the config file. */
function configPlace(v: ValidatedConfig, path: string[]): string {
  const origin = nearestOrigin(v.origins, path);
  return origin === undefined ? v.file : formatOrigin(origin);
}

/** The config's name: `name:` or the file name without extension. */
export function configName(v: ValidatedConfig): string {
  return typeof v.config.name === 'string' ? v.config.name : basename(v.file, extname(v.file));
}

function gitCommit(): string | undefined {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
  } catch {
    return undefined;
  }
}

function recordEnvironment(runDir: string, engine: EngineInfo, resumedFrom: string | undefined, forkedFrom: string | undefined): void {
  const line = {
    time: new Date().toISOString(),
    resumedFrom: resumedFrom ?? null,
    forkedFrom: forkedFrom ?? null,
    argv: process.argv.slice(1),
    cwd: process.cwd(),
    host: hostname(),
    pid: process.pid,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    tfjs: tf.version.tfjs,
    engine,
    gitCommit: gitCommit() ?? null,
  };
  appendFileSync(join(runDir, 'environment.jsonl'), `${JSON.stringify(line)}\n`);
}

/** Writes the resolved config on a fresh start (a resume has checked it equals the recorded one). */
function recordConfig(runDir: string, config: ConfigMap): void {
  const path = join(runDir, 'config.yaml');
  writeFileSync(`${path}.tmp`, dumpYaml(config));
  renameSync(`${path}.tmp`, path);
}

/** What every run from a config starts with: its directory, the resolved config recorded, the engine, progress and the seeded generators. */
export interface StartedRun {
  v: ValidatedConfig;
  cfg: ConfigMap;
  name: string;
  runDir: string;
  /** The checkpoint being resumed from. */
  checkpoint?: string;
  /** The checkpoint a fork started from (then `checkpoint` is its copy in this run). */
  forkedFrom?: string;
  /** This process's lock on the run directory; released when the run ends. */
  lock: DirLock;
  t: TrainSection;
  progress: Progress;
  print: (line: string) => void;
  /** Whether a sweep's thread grants are accepted (add a ThreadsHook). */
  granted: boolean;
  seed: number;
  rng: Rng;
}

/** Loads the config, then makes (or finds, to resume) the run directory and starts the engine; `check` vets the config before anything is written. */
export async function startRun(o: TrainOptions, verb: string, check: (v: ValidatedConfig) => void = () => undefined): Promise<StartedRun> {
  const v = await loadValidatedConfig(o.configFile, { overrides: o.overrides, plugins: o.plugins });
  check(v);
  const cfg = v.config;
  const name = configName(v);
  const root = resolve(o.workDir ?? (typeof cfg.work_dir === 'string' ? cfg.work_dir : 'work_dirs'));
  const run = resolveRun(root, name, o.resume, o.fork);
  const { runDir, forkedFrom } = run;
  const t = cfg.train as TrainSection;
  const progress = new Progress(t.max_iters, o.out ?? process.stdout, t.progress_interval);
  const print = (line: string): void => progress.message(line);
  const lock = lockDir(runDir, 'run', print);
  let checkpoint = run.checkpoint;
  try {
    for (const entry of removeUnfinishedSaves(join(runDir, 'checkpoints'))) print(`removed ${join(runDir, 'checkpoints', entry)}, left by a save that was cut short`);
    if (checkpoint !== undefined) checkResume(runDir, checkpoint, cfg);
    if (forkedFrom !== undefined) checkpoint = prepareFork(runDir, forkedFrom);
    print(`${checkpoint === undefined ? verb : forkedFrom === undefined ? 'resuming' : 'forking'} ${runDir}${checkpoint === undefined ? '' : ` from ${forkedFrom ?? basename(checkpoint)}`}`);
    if (checkpoint !== undefined && forkedFrom === undefined) {
      const gaps = missingLoggedSteps(join(runDir, 'metrics.jsonl'), Number(/(\d+)$/.exec(basename(checkpoint))?.[1] ?? 0), t.log_interval);
      if (gaps.length > 0) print(`warning: ${join(runDir, 'metrics.jsonl')} lacks the lines of steps ${gaps.slice(0, 10).join(', ')}${gaps.length > 10 ? ` and ${gaps.length - 10} more` : ''} (before the checkpoint): they were lost and are not recomputed`);
    }
    if (checkpoint === undefined || forkedFrom !== undefined) recordConfig(runDir, cfg);
  } catch (err) {
    lock.release();
    throw err;
  }

  const engine = await initEngine({ ...(cfg.engine as object), log: print });
  const granted = acceptThreadGrants(print);
  recordEnvironment(runDir, engine, forkedFrom === undefined ? checkpoint : undefined, forkedFrom);
  const seed = typeof cfg.seed === 'number' ? cfg.seed : 0;
  const rng = new Rng(seed);
  seedInitialisers(seed);
  return { v, cfg, name, runDir, checkpoint, forkedFrom, lock, t, progress, print, granted, seed, rng };
}

/** Supervision diagnostics for a model with supervisors, unless `train.diagnostics.interval` is 0. */
function diagnosticsHook(model: Detector, phases: PhasePlan, t: TrainSection): Hook | undefined {
  if (!(model instanceof SupervisedDetector || model instanceof SupervisedDETR) || model.supervisors.length === 0) return undefined;
  const interval = resolvePoint(t.diagnostics.interval, t.max_iters, 'train.diagnostics.interval');
  return interval === 0 ? undefined : new SupervisionDiagnosticsHook(model, phases, interval, t.diagnostics.tap);
}

export async function runTraining(o: TrainOptions): Promise<TrainReport> {
  const started = await startRun(o, 'run');
  try {
    return await train(started);
  } finally {
    started.lock.release();
  }
}

async function train({ v, cfg, name, runDir, checkpoint, forkedFrom, t, progress, print, granted, seed, rng }: StartedRun): Promise<TrainReport> {
  const runId = basename(runDir);
  const opts = (path: string, extras?: Record<string, unknown>): BuildOptions => ({ registry: v.registry, origins: v.origins, path, extras });
  const data = cfg.data as { train?: DataSplitConfig; val?: DataSplitConfig } | undefined;
  if (data?.train === undefined) throw new UserError(`${v.file}: the config has no data.train section to train on`);
  if (cfg.optimizer === undefined || cfg.schedule === undefined) throw new UserError(`${v.file}: training needs an optimizer: and a schedule: section`);
  const loader = await trainLoader(v.registry, data.train, seed, 0, { origins: v.origins });
  const dataset = loader.dataset;
  const model = build<Detector>('detector', cfg.model, opts('model', { numClasses: dataset.classes.length, rng }));
  if (checkpoint === undefined && typeof cfg.load_from === 'string') print(loadFrom(model, cfg.load_from, configPlace(v, ['load_from'])));
  const extra: DeclaredOptimizer[] = Object.entries(t.optimizers).map(([n, e]) => ({
    name: n,
    params: e.params,
    optimizer: build<OptimizerFactory>('optimizer', e.optimizer, opts(`train.optimizers.${n}.optimizer`)),
    schedule: build<ScheduleFactory>('lr_schedule', e.schedule, opts(`train.optimizers.${n}.schedule`)),
  }));
  const main = {
    optimizer: build<OptimizerFactory>('optimizer', cfg.optimizer, opts('optimizer')),
    schedule: build<ScheduleFactory>('lr_schedule', cfg.schedule, opts('schedule')),
  };
  const placed = <T>(make: () => T): T => {
    try {
      return make();
    } catch (err) {
      throw placeError(err, v.origins, '');
    }
  };
  const optimizers = placed(() => buildOptimizers(model, main, extra, t.max_iters));
  const phases = placed(() => buildPhasePlan(model, t.phases as unknown as PhaseSpec[], t.max_iters));
  const extending = checkpoint === undefined ? undefined : extendedFrom(checkpoint, t.max_iters);

  let evaluation: DetectorEvaluation | undefined;
  const evalCfg = (cfg.evaluation ?? { interval: 0, save_best: null, teacher: true }) as { interval: number; save_best: string | null; teacher: boolean };
  const valData = data.val;
  const ema = cfg.ema === undefined ? undefined : (cfg.ema as EmaSection);
  const emaHook = ema === undefined ? undefined : new EmaHook(ema);
  const evaluateWeights = async (): Promise<Record<string, number>> => {
    const val = await valLoader(v.registry, valData!, seed, { origins: v.origins });
    try {
      evaluation = await evaluateDetector(model, val as AsyncIterable<Batch>, val.dataset, { teachers: evalCfg.teacher });
    } finally {
      await val.close();
    }
    mkdirSync(join(runDir, 'eval'), { recursive: true });
    const report = join(runDir, 'eval', `iter_${String(runner.iter).padStart(6, '0')}.json`);
    writeFileSync(report, `${JSON.stringify(jsonReport(evaluation.result))}\n`);
    tracker.logArtifact(report, 'eval');
    // pycocotools' −1 means "no ground truth of that kind" (no large objects): not a value to plot or average.
    return Object.fromEntries(Object.entries(evaluation.metrics).filter(([, value]) => value !== -1));
  };
  const evaluate = emaHook !== undefined && ema!.evaluate ? () => emaHook.withAveraged(model, evaluateWeights) : evaluateWeights;

  const tracking = (cfg.tracking ?? {}) as { uri?: string; experiment?: string; log_checkpoints?: boolean };
  const experimentName = tracking.experiment === undefined || tracking.experiment === '' ? name : tracking.experiment;
  // A sweep's trial is named and tagged after its variant, seed and swept values (src/track/trial_identity.ts).
  const trial = identityFromEnv();
  const tracker: RunTracker = await openRun({
    uri: tracking.uri === '' ? undefined : tracking.uri,
    experimentName,
    runName: trial?.name ?? runId,
    workDir: runDir,
    handleSignals: false,
    connectWaitMs: TRAINING_CONNECT_WAIT_MS,
    log: print,
    tags: { 'detlab.run_id': runId, 'detlab.config': v.file, ...trial?.tags, ...(forkedFrom === undefined ? {} : { 'detlab.forked_from': forkedFrom }) },
    note: typeof cfg.description === 'string' && cfg.description !== '' ? cfg.description : undefined,
    // Set by `detlab sweep` for its trials: the sweep's parent run and the trial's stable id.
    parentRunId: process.env.DETLAB_PARENT_RUN_ID || undefined,
    parentWorkDir: process.env.DETLAB_PARENT_WORK_DIR || undefined,
    trialId: process.env.DETLAB_TRIAL_ID || undefined,
  });
  if (checkpoint === undefined || forkedFrom !== undefined) {
    tracker.logConfig(cfg, join(runDir, 'config.yaml'));
    if (trial !== undefined) tracker.logParams(trial.params);
  }
  if (extending !== undefined) {
    const history = recordExtension(runDir, checkpoint!, t.max_iters, Object.fromEntries(optimizers.map((e) => [e.name, e.schedule.describe])));
    print(`extending the run: ${describeExtension(history.at(-1)!)}`);
    tracker.setTags({ 'detlab.max_iters': String(t.max_iters), 'detlab.extensions': history.map(describeExtension).join('\n') });
  }

  const hooks: Hook[] = [new LoggerHook(t.log_interval, progress), new CheckpointHook(t.checkpoint.interval, t.checkpoint.max_keep)];
  if (valData !== undefined) hooks.push(new EvalHook(evalCfg.interval > 0 ? evalCfg.interval : t.max_iters, evalCfg.save_best ?? ''));
  if (valData !== undefined) hooks.push(new VisualizationHook(cfg.visualization as VisualizationSection, () => evaluation, tracker));
  for (const [i, h] of ((cfg.hooks ?? []) as ConfigMap[]).entries()) hooks.push(build<Hook>('hook', h, opts(`hooks.${i}`)));
  if (granted) hooks.push(new ThreadsHook());
  const diagnostics = diagnosticsHook(model, phases, t);
  if (diagnostics !== undefined) hooks.push(diagnostics);
  if (emaHook !== undefined) hooks.push(emaHook);
  for (const line of phases.describe()) print(`phase ${line}`);

  const runner: Runner<Batch> = new Runner<Batch>({
    model,
    data: loader,
    optimizers,
    phases,
    maxIters: t.max_iters,
    rng,
    runDir,
    hooks,
    evaluate: valData === undefined ? undefined : evaluate,
    metricsWriter: (step, metrics, ts) => tracker.logMetrics(step, metrics, ts),
    print,
    resumeFrom: checkpoint,
    extendedFrom: extending,
  });
  const removeInterrupt = onInterrupt(() => runner.requestStop(), 'stopping after this iteration (a checkpoint is saved)', print);
  let outcome: RunOutcome['status'] = 'failed';
  try {
    outcome = (await runner.run()).status;
  } catch (err) {
    if (err instanceof NonFiniteLossError) {
      const last = latestCheckpoint(join(runDir, 'checkpoints'));
      throw new UserError(`${err.message}${last === undefined ? ' (no checkpoint was saved before it)' : `; the last good checkpoint is ${last}`}`);
    }
    throw placeError(err, v.origins, '');
  } finally {
    removeInterrupt();
    emaHook?.dispose();
    progress.finish();
    await loader.close();
    recordCheckpoints(tracker, runDir, tracking.log_checkpoints === true);
    await tracker.finish(outcome === 'finished' ? 'FINISHED' : outcome === 'interrupted' ? 'KILLED' : 'FAILED');
  }
  return {
    runDir,
    runId,
    outcome,
    lastCheckpoint: latestCheckpoint(join(runDir, 'checkpoints')),
    evaluation,
    trackingLocation: tracker.location,
    trackingRunId: tracker.runId,
    experimentName,
  };
}
