/**
 * `detlab sweep run`: plan, then run stage after stage through an executor,
 * recording every trial's status in the state file the moment it changes, and
 * write the report at the end. The sweep is an MLflow parent run holding the
 * spec, the table and the report; each trial is a child run.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { didYouMean } from '../config/did_you_mean.js';
import { formatInline } from '../config/dump.js';
import { fileOrigin, UserError } from '../config/errors.js';
import { formatOrigin, nearestOrigin } from '../config/origin.js';
import { lockDir } from '../train/dir_lock.js';
import { newRunId } from '../train/work_dir.js';
import { openRun, TRAINING_CONNECT_WAIT_MS, type RunTracker } from '../track/tracker.js';
import type { Executor } from './executor.js';
import { confirmedByTrial } from './metric_names.js';
import { parentMetrics } from './parent_metrics.js';
import { planSweep, trialDifferences, type SweepPlan } from './plan.js';
import { remoteCurves } from './remote_curves.js';
import { writeReport } from './report.js';
import { STATE_FILE, readState, trialRecord, writeState, type SweepState, type TrialRecord } from './state.js';
import { trialLabel, type Trial } from './trial.js';
import type { TrialJob, TrialOutcome, TrialOutputs } from './trial_runner.js';

export interface SweepRunOptions {
  specFile: string;
  /** Continue the newest sweep of this spec (or `sweepDir`): finished trials are skipped, interrupted ones resumed. */
  resume?: boolean;
  /** The sweep directory (default: a new `<root>/<name>/<run id>`). */
  sweepDir?: string;
  /** Root of sweep directories (default `sweeps`). */
  root?: string;
  dryRun?: boolean;
  /** Let a dry run load the base config's plugins (code); without it they are refused. */
  trustPlugins?: boolean;
  failFast?: boolean;
  /** Makes the executor given the spec's (or --parallel) parallelism. */
  executor: (parallel: number) => Executor;
  parallel?: number;
  signal?: AbortSignal;
  print?: (line: string) => void;
  /** Track the sweep in MLflow (default true). */
  track?: boolean;
}

export interface SweepRunReport {
  sweepDir: string;
  state: SweepState;
  outcome: 'finished' | 'failed' | 'interrupted' | 'planned';
}

function pickSweepDir(plan: SweepPlan, o: SweepRunOptions): string {
  const name = plan.loaded.spec.name;
  if (o.sweepDir !== undefined) {
    const dir = resolve(o.sweepDir);
    if (!o.resume && existsSync(join(dir, STATE_FILE))) throw new UserError(`${dir} already holds a sweep; add --resume to continue it`);
    if (o.resume && !existsSync(join(dir, STATE_FILE))) throw new UserError(`--resume: ${dir} holds no sweep (no ${STATE_FILE})`);
    mkdirSync(dir, { recursive: true });
    return dir;
  }
  const parent = resolve(o.root ?? 'sweeps', name);
  if (o.resume) {
    const dirs = existsSync(parent) ? readdirSync(parent).filter((d) => existsSync(join(parent, d, STATE_FILE))).sort() : [];
    if (dirs.length === 0) throw new UserError(`--resume: no sweep of '${name}' under ${parent}`);
    return join(parent, dirs.at(-1)!);
  }
  mkdirSync(parent, { recursive: true });
  for (;;) {
    const dir = join(parent, newRunId());
    try {
      mkdirSync(dir);
      return dir;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
}

function printPlan(plan: SweepPlan, print: (line: string) => void): void {
  const { spec } = plan.loaded;
  print(`sweep ${spec.name}: ${plan.trials.length} trials (base ${spec.base})`);
  for (const t of plan.trials) {
    const needs = Object.entries(t.needs).map(([s, id]) => `${s}=${id}`).join(', ');
    print(`  ${t.id}  ${t.stage === '' ? '' : `[${t.stage}] `}${trialLabel(t)} seed=${t.seed}${needs === '' ? '' : `  needs ${needs}`}`);
    for (const d of trialDifferences(plan, t)) print(`      ${d.path}: ${d.a === undefined ? '(absent)' : formatInline(d.a)} -> ${d.b === undefined ? '(deleted)' : formatInline(d.b)}`);
  }
}

function initialState(plan: SweepPlan): SweepState {
  const { spec } = plan.loaded;
  return {
    format: 'detlab-sweep/1',
    name: spec.name,
    spec: plan.loaded.file,
    metric: spec.metric,
    mode: spec.mode,
    baseline: spec.baseline !== '' ? spec.baseline : Object.hasOwn(spec.variants, 'baseline') ? 'baseline' : '',
    logKeys: plan.logKeys,
    trials: plan.trials.map(trialRecord),
  };
}

/** Keeps the recorded results of trials that are still in the plan; a trial new to the plan starts pending. */
function mergeState(previous: SweepState, fresh: SweepState): SweepState {
  const byId = new Map(previous.trials.map((t) => [t.id, t]));
  return { ...fresh, parentRunId: previous.parentRunId, trials: fresh.trials.map((t) => byId.get(t.id) ?? t) };
}

export async function runSweep(o: SweepRunOptions): Promise<SweepRunReport> {
  const print = o.print ?? ((line: string) => console.log(line));
  const plan = await planSweep(o.specFile, { signal: o.signal, configPlugins: o.dryRun && o.trustPlugins !== true ? 'refuse' : 'load' });
  if (o.dryRun) {
    printPlan(plan, print);
    return { sweepDir: '', state: initialState(plan), outcome: 'planned' };
  }
  const sweepDir = pickSweepDir(plan, o);
  const lock = lockDir(sweepDir, 'sweep', print);
  try {
    return await runPlanned(plan, sweepDir, o, print);
  } finally {
    lock.release();
  }
}

async function runPlanned(plan: SweepPlan, sweepDir: string, o: SweepRunOptions, print: (line: string) => void): Promise<SweepRunReport> {
  const { spec } = plan.loaded;
  const state = o.resume ? mergeState(readState(sweepDir), initialState(plan)) : initialState(plan);
  copyFileSync(plan.loaded.file, join(sweepDir, 'spec.yaml'));
  const save = (): void => writeState(sweepDir, state);
  const records = new Map(state.trials.map((t) => [t.id, t]));
  for (const r of state.trials) if (r.status === 'running') r.status = 'interrupted';
  save();

  const executor = o.executor(o.parallel ?? spec.parallel);
  let tracker: RunTracker | undefined;
  if (o.track !== false) {
    tracker = await openRun({
      experimentName: spec.name,
      runName: `sweep ${basename(sweepDir)}`,
      workDir: join(sweepDir, 'mlflow'),
      handleSignals: false,
      // Local trials link to the parent through its work dir, so a slow server holds nothing; a queue's
      // trials may run on machines without this disk, so the parent's id must travel with them.
      connectWaitMs: executor.name === 'local' ? TRAINING_CONNECT_WAIT_MS : undefined,
      log: print,
      tags: { 'detlab.sweep': spec.name, 'detlab.sweep_dir': sweepDir },
      note: spec.description !== '' ? spec.description : typeof plan.base.description === 'string' && plan.base.description !== '' ? plan.base.description : undefined,
    });
    tracker.logParams({ spec: basename(plan.loaded.file), trials: plan.trials.length, executor: executor.name, metric: spec.metric, mode: spec.mode });
    tracker.logArtifact(join(sweepDir, 'spec.yaml'));
    state.parentRunId = tracker.runId;
    save();
  }
  print(`sweep ${spec.name}: ${plan.trials.length} trials in ${sweepDir} (executor ${executor.name})`);

  const controller = new AbortController();
  const onAbort = (): void => controller.abort();
  o.signal?.addEventListener('abort', onAbort, { once: true });
  // A stop that came while the sweep was being planned.
  if (o.signal?.aborted) controller.abort();
  let failures = 0;
  // Set when a finished trial lacks the spec's metric, a loss-term name the plan could not check: the sweep stops.
  let metricProblem: string | undefined;
  const rankedStage = plan.stages.at(-1);
  const outputs = (id: string): TrialOutputs | undefined => {
    const r = records.get(id);
    return r?.status === 'finished' && r.runDir !== undefined && r.checkpoint !== undefined ? { runDir: r.runDir, checkpoint: r.checkpoint } : undefined;
  };
  const total = plan.trials.length;
  let done = state.trials.filter((t) => t.status === 'finished').length;
  try {
    for (const stage of plan.stages) {
      if (controller.signal.aborted) break;
      const jobs: TrialJob[] = [];
      for (const trial of plan.trials.filter((t) => t.stage === stage)) {
        const record = records.get(trial.id)!;
        if (record.status === 'finished') continue;
        const upstream: Record<string, TrialOutputs> = {};
        const missing = Object.values(trial.needs).filter((id) => {
          const out = outputs(id);
          if (out !== undefined) upstream[id] = out;
          return out === undefined;
        });
        if (missing.length > 0) {
          Object.assign(record, { status: 'skipped', error: `upstream trial ${missing.join(', ')} did not finish` });
          continue;
        }
        jobs.push({ trial, sweepDir, sweepName: spec.name, upstream });
      }
      save();
      await executor.run(jobs, {
        onStart(job) {
          const r = records.get(job.trial.id)!;
          Object.assign(r, { status: 'running', attempts: r.attempts + 1, error: undefined });
          save();
          print(`start   ${job.trial.id}  ${describe(job.trial)}`);
        },
        onEnd(job, outcome) {
          const r = records.get(job.trial.id)!;
          applyOutcome(r, outcome);
          save();
          if (outcome.status === 'finished') done++;
          if (outcome.status === 'failed') {
            failures++;
            print(`FAILED  ${job.trial.id}  ${describe(job.trial)}: ${outcome.error}`);
            if (o.failFast) controller.abort();
          } else {
            const value = outcome.metrics[spec.metric];
            if (outcome.status === 'finished' && value === undefined && confirmedByTrial(spec.metric) && job.trial.stage === rankedStage && metricProblem === undefined) {
              const where = formatOrigin(nearestOrigin(plan.loaded.origins, ['metric']) ?? fileOrigin(plan.loaded.file, 1));
              const logged = Object.keys(outcome.metrics).sort().join(', ');
              metricProblem = `${where}: metric '${spec.metric}' is not among trial ${job.trial.id}'s metrics${didYouMean(spec.metric, Object.keys(outcome.metrics))} (it logged ${logged}); the sweep stops: fix the metric, then run with --resume (finished trials are kept)`;
              print(metricProblem);
              controller.abort();
            }
            print(`${outcome.status.padEnd(7)} ${job.trial.id}  ${describe(job.trial)}  ${spec.metric}=${value === undefined ? '-' : value.toFixed(4)}  (${outcome.seconds.toFixed(1)} s, ${done}/${total} done)`);
          }
        },
      }, { signal: controller.signal, parentRunId: state.parentRunId ?? tracker?.runId, parentWorkDir: tracker === undefined ? undefined : join(sweepDir, 'mlflow') });
    }
  } catch (err) {
    // The executor could not go on (e.g. its queue server is unreachable): what ran is resumable, and the parent run must not stay RUNNING.
    for (const r of state.trials) if (r.status === 'running') r.status = 'interrupted';
    save();
    if (tracker !== undefined) {
      tracker.setTags({ 'detlab.sweep_error': String((err as Error).message).split('\n')[0] });
      tracker.logArtifact(join(sweepDir, STATE_FILE));
      await tracker.finish(controller.signal.aborted ? 'KILLED' : 'FAILED');
    }
    throw err;
  } finally {
    o.signal?.removeEventListener('abort', onAbort);
    save();
  }
  const interrupted = controller.signal.aborted && !(o.failFast && failures > 0) && metricProblem === undefined;
  // The parent run may have reached a slow store only while the trials ran.
  if (state.parentRunId === undefined && tracker?.runId !== undefined) state.parentRunId = tracker.runId;
  const remote = await remoteCurves(sweepDir, state);
  if (remote.problem !== undefined) print(remote.problem);
  const files = writeReport(sweepDir, state, remote.curves);
  if (tracker !== undefined) {
    tracker.logMetrics(0, parentMetrics(state));
    for (const f of files) tracker.logArtifact(f, 'report');
    tracker.logArtifact(join(sweepDir, STATE_FILE));
    await tracker.finish(interrupted ? 'KILLED' : failures > 0 || metricProblem !== undefined ? 'FAILED' : 'FINISHED');
  }
  const outcome = interrupted ? 'interrupted' : failures > 0 || metricProblem !== undefined || state.trials.some((t) => t.status !== 'finished') ? 'failed' : 'finished';
  return { sweepDir, state, outcome };
}

function describe(t: Trial): string {
  return `${t.stage === '' ? '' : `[${t.stage}] `}${trialLabel(t)} seed=${t.seed}`;
}

function applyOutcome(r: TrialRecord, outcome: TrialOutcome): void {
  r.status = outcome.status;
  r.runDir = outcome.runDir;
  r.checkpoint = outcome.checkpoint;
  r.metrics = outcome.metrics;
  r.error = outcome.error;
  r.seconds = (r.seconds ?? 0) + outcome.seconds;
}
