/**
 * Running one trial as a child process: `node bin/detlab.js train` on the
 * trial's resolved config, in `<sweep dir>/trials/<id>/`. The runner is shared
 * by every executor (local processes now, queue workers later): given the
 * same job it does the same thing, resuming from the trial's last checkpoint
 * when an earlier attempt left one.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dumpYaml } from '../config/dump.js';
import type { ConfigMap } from '../config/tree.js';
import { latestCheckpoint } from '../train/checkpoint.js';
import { readMetricsLines } from '../train/metrics_log.js';
import { GRANTS_ACCEPTED, THREAD_GRANT, type ThreadGrant } from '../train/thread_grant.js';
import { TRIAL_ENV, trialIdentity } from '../track/trial_identity.js';
import { STAGE_MARKER, trialLabel, type Trial } from './trial.js';

/** What an executor hands the runner: the trial and where its upstream outputs are. */
export interface TrialJob {
  trial: Trial;
  sweepDir: string;
  /** The sweep name: the trial config's `name:` (so the MLflow experiment is the sweep's). */
  sweepName: string;
  /** Outputs of finished upstream trials, by trial id. */
  upstream: Record<string, TrialOutputs>;
}

export interface TrialOutputs {
  runDir: string;
  checkpoint: string;
}

export interface TrialRunOptions {
  /** Threads the trial may use (its engine.threads and the BLAS/OpenMP variables), at most. */
  threads: number;
  signal?: AbortSignal;
  /** The MLflow parent run of the sweep. */
  parentRunId?: string;
  /** The parent run's work dir when its id is not known yet (trials on the sweep's machine). */
  parentWorkDir?: string;
  /** The command that starts detlab (default: this node and bin/detlab.js). */
  command?: readonly string[];
  env?: NodeJS.ProcessEnv;
  /** Called once the child runs. */
  onSpawn?: (child: RunningTrial) => void;
}

/** A trial's process while it runs. */
export interface RunningTrial {
  pid: number;
  /**
   * Offers the trial a larger thread budget (cores freed by other trials); it
   * takes what its config allows, and a budget no larger than its threads is ignored.
   */
  offerThreads(budget: number): void;
}

export interface TrialOutcome {
  status: 'finished' | 'failed' | 'interrupted';
  runDir?: string;
  checkpoint?: string;
  metrics: Record<string, number>;
  error?: string;
  seconds: number;
  /** Whether this attempt continued from an earlier attempt's checkpoint. */
  resumed: boolean;
}

const BIN = resolve(dirname(fileURLToPath(import.meta.url)), '../../../bin/detlab.js');
export const DEFAULT_COMMAND: readonly string[] = [process.execPath, BIN];

/**
 * The threads a trial runs with: the executor's budget, or fewer when the
 * trial's config asks for fewer (engine.threads 0 means all it may have). A
 * config that chose one thread because a second one does not pay at its sizes
 * keeps that choice in a serial sweep.
 */
export function trialThreads(config: ConfigMap, budget: number): number {
  const asked = (config.engine as { threads?: unknown } | undefined)?.threads;
  return typeof asked === 'number' && asked > 0 ? Math.min(asked, budget) : budget;
}

export function trialDir(sweepDir: string, id: string): string {
  return join(sweepDir, 'trials', id);
}

/** The newest run directory of a trial (run ids sort by start time). */
export function latestRun(dir: string, name: string): string | undefined {
  const parent = join(dir, name);
  if (!existsSync(parent)) return undefined;
  return readdirSync(parent).filter((n) => statSync(join(parent, n)).isDirectory()).sort().map((n) => join(parent, n)).at(-1);
}

/** Last value of each metric in a run's metrics.jsonl. */
export function finalMetrics(runDir: string): Record<string, number> {
  const path = join(runDir, 'metrics.jsonl');
  const out: Record<string, number> = {};
  if (!existsSync(path)) return out;
  for (const line of readMetricsLines(path)) Object.assign(out, line.metrics);
  return out;
}

function resolvedConfigText(job: TrialJob): string {
  const text = dumpYaml({ ...job.trial.config, name: job.sweepName });
  return text.replace(STAGE_MARKER, (_m, id: string, output: string) => {
    const outputs = job.upstream[id];
    if (outputs === undefined) throw new Error(`trial ${job.trial.id} needs trial ${id}, which has not finished`);
    return output === 'checkpoint' ? outputs.checkpoint : outputs.runDir;
  });
}

function tail(path: string, lines: number): string {
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/**
 * The pid of an earlier attempt still training this trial, if any: a sweep
 * killed on its own (not its process group) leaves its children running, and
 * a second process must not train into the same run directory.
 */
function runningAttempt(dir: string, configFile: string): number | undefined {
  let pid: number;
  try {
    pid = Number(readFileSync(join(dir, 'pid'), 'utf8'));
    process.kill(pid, 0);
  } catch {
    return undefined;
  }
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(configFile) ? pid : undefined;
  } catch {
    return pid;
  }
}

export async function runTrial(job: TrialJob, opts: TrialRunOptions): Promise<TrialOutcome> {
  const started = Date.now();
  const dir = trialDir(job.sweepDir, job.trial.id);
  mkdirSync(dir, { recursive: true });
  const configFile = join(dir, 'trial.yaml');
  const alive = runningAttempt(dir, configFile);
  if (alive !== undefined) {
    return { status: 'failed', metrics: {}, seconds: 0, resumed: false, error: `an earlier attempt (pid ${alive}) is still training this trial; stop it or let it end, then resume` };
  }
  writeFileSync(`${configFile}.tmp`, resolvedConfigText(job));
  renameSync(`${configFile}.tmp`, configFile);
  const previous = latestRun(dir, job.sweepName);
  const resumed = previous !== undefined && latestCheckpoint(join(previous, 'checkpoints')) !== undefined;
  const initialThreads = trialThreads(job.trial.config, opts.threads);
  const threads = String(initialThreads);
  const [exe, ...pre] = opts.command ?? DEFAULT_COMMAND;
  const args = [...pre, 'train', configFile, '--work-dir', dir, '--set', `++engine.threads=${threads}`, ...(resumed ? ['--resume'] : [])];
  const logFile = join(dir, 'train.log');
  const log = openSync(logFile, 'a');
  const env = {
    ...process.env,
    ...opts.env,
    OMP_NUM_THREADS: threads,
    OPENBLAS_NUM_THREADS: threads,
    DETLAB_TRIAL_ID: job.trial.id,
    [TRIAL_ENV]: JSON.stringify(trialIdentity({ ...job.trial, sweep: job.sweepName, label: trialLabel(job.trial) })),
    ...(opts.parentRunId === undefined ? {} : { DETLAB_PARENT_RUN_ID: opts.parentRunId }),
    ...(opts.parentRunId !== undefined || opts.parentWorkDir === undefined ? {} : { DETLAB_PARENT_WORK_DIR: opts.parentWorkDir }),
  };
  const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: Error }>((done) => {
    // The IPC channel carries thread grants (src/train/thread_grant.ts).
    const child = spawn(exe, args, { stdio: ['ignore', log, log, 'ipc'], env });
    const stop = (): void => void child.kill('SIGTERM');
    let offered = initialThreads;
    let accepting = false;
    const send = (): void => {
      const grant: ThreadGrant = { type: THREAD_GRANT, threads: offered };
      // A trial ending at this moment has closed the channel; it no longer needs the threads.
      if (child.connected) child.send(grant, () => undefined);
    };
    const offerThreads = (budget: number): void => {
      const n = trialThreads(job.trial.config, budget);
      if (n <= offered) return;
      offered = n;
      if (accepting) send();
    };
    child.on('message', (message: { type?: unknown } | null) => {
      if (message?.type !== GRANTS_ACCEPTED) return;
      accepting = true;
      if (offered > initialThreads) send();
    });
    child.on('spawn', () => {
      writeFileSync(join(dir, 'pid'), String(child.pid));
      opts.onSpawn?.({ pid: child.pid!, offerThreads });
    });
    child.on('error', (error) => done({ code: null, signal: null, error }));
    child.on('exit', (code, signal) => {
      opts.signal?.removeEventListener('abort', stop);
      done({ code, signal });
    });
    if (opts.signal?.aborted) stop();
    else opts.signal?.addEventListener('abort', stop, { once: true });
  });
  closeSync(log);
  const runDir = latestRun(dir, job.sweepName);
  const checkpoint = runDir === undefined ? undefined : latestCheckpoint(join(runDir, 'checkpoints'));
  const metrics = runDir === undefined ? {} : finalMetrics(runDir);
  const seconds = (Date.now() - started) / 1000;
  const base = { runDir, checkpoint, metrics, seconds, resumed };
  if (exit.code === 0) return { status: 'finished', ...base };
  if (opts.signal?.aborted || exit.code === 130) return { status: 'interrupted', ...base };
  const why = exit.error?.message ?? (exit.signal !== null ? `killed by ${exit.signal}` : `exit code ${exit.code}`);
  const last = tail(logFile, 3);
  return { status: 'failed', ...base, error: `${why}${last === '' ? '' : `: ${last}`} (log: ${logFile})` };
}
