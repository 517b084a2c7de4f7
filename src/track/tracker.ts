/**
 * Run tracking for trainers and sweeps: the API the rest of detlab calls.
 *
 *     const run = await openRun({ experimentName: 'retinanet', runName: 'r50_1x', workDir, tags: {} });
 *     run.logConfig(resolvedConfig, 'work_dirs/x/config.yaml');
 *     run.logMetrics(step, { loss: 0.53, lr: 0.01 });          // returns at once
 *     run.logArtifact('work_dirs/x/eval.json');
 *     await run.finish('FINISHED');                             // or 'FAILED' / 'KILLED'
 *
 * Where runs go: `MLFLOW_TRACKING_URI`, else `uri` (the config's
 * `tracking.uri`), else `./mlruns` (uri.ts). An http(s) URI is a tracking
 * server, anything else an embedded MLflow FileStore.
 *
 * Nothing is lost: every metric is first appended to `<workDir>/metrics.jsonl`
 * (the ground truth, format in metrics_log.ts) and every other event to
 * `<workDir>/mlflow_spool.jsonl`; a background flush delivers them in batches.
 * `logMetrics` never waits for the store: while the server is unreachable
 * training goes on, delivery is retried every `retryIntervalMs`, and `finish`
 * ends with a full reconciliation of metrics.jsonl against the store (sync.ts).
 * What still could not be delivered is sent later by `detlab mlflow sync WORK_DIR`.
 *
 * Nesting and re-runs: a sweep opens a parent run and passes its `runId` as
 * `parentRunId` to each trial; children carry `mlflow.parentRunId` and live in
 * the same experiment. A work dir that already holds `mlflow_run.json`
 * continues that run. A trial started in a fresh work dir with a `trialId`
 * continues the newest earlier run tagged `detlab.trial_id=<trialId>` under
 * the same parent (set RUNNING again, history kept) instead of creating a
 * duplicate; older duplicates left RUNNING by crashed processes become KILLED.
 * Pass the parent as `parent` rather than `parentRunId` when it may not be in
 * the store yet (server unreachable): the child then waits for the parent's
 * run id (read from the parent's work dir) before it is created.
 *
 * SIGINT/SIGTERM end every open run as KILLED with its end time, flush within
 * a deadline, and let the signal terminate the process (signals.ts).
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { stringify } from 'yaml';
import type { HttpOptions } from './http.js';
import { MAX_PARAM_VALUE_LENGTH, MAX_TAG_VALUE_LENGTH, assertValidKey } from './limits.js';
import { appendMetricsLine, cutTornTail, readMetricsLog, type MetricPoint } from './metrics_log.js';
import { flattenConfig } from './params.js';
import { METRICS_FILE, appendSpool, readRunState, writeRunState, type RunState, type SpoolEvent } from './run_state.js';
import { onTermination } from './signals.js';
import type { RunStatus } from './store.js';
import { CLIENT_RUN_TAG, PARENT_TAG, RunLink, TRIAL_TAG, isTransient, storeFor } from './sync.js';
import { systemTags } from './system_tags.js';
import { resolveTrackingUri } from './uri.js';

export interface OpenRunOptions {
  /** The config's `tracking.uri`; `MLFLOW_TRACKING_URI` overrides it. */
  uri?: string;
  experimentName: string;
  runName: string;
  /** Extra run tags (keys as MLflow allows: letters, digits, `_-. /`). */
  tags?: Record<string, string>;
  /** Markdown description shown by the MLflow UI (`mlflow.note.content`). */
  note?: string;
  parentRunId?: string;
  /** The parent run itself (instead of parentRunId): links the child even if the parent is not in the store yet. */
  parent?: RunTracker;
  /** The parent run's work dir on this machine (a sweep's, for its trial processes): links the child once the parent is in the store. */
  parentWorkDir?: string;
  /** Stable id of a sweep trial, so that a re-run continues the trial's run. */
  trialId?: string;
  /** The run's directory: metrics.jsonl, mlflow_run.json and mlflow_spool.jsonl live here. */
  workDir: string;
  /** Background flush period in ms (default 1000). */
  flushIntervalMs?: number;
  /** Pause after a failed delivery before the next attempt, in ms (default 15000). */
  retryIntervalMs?: number;
  /**
   * How long opening waits for the store to create the run, in ms (default 30000); then the run is
   * created in the background and `runId` stays undefined until it is.
   */
  connectWaitMs?: number;
  /** How long `finish` may spend delivering, in ms (default 60000; 10000 when the store never answered during the run). */
  finishTimeoutMs?: number;
  /** Retry policy of REST requests made while training (default: 3 retries from 500 ms, 30 s timeout). */
  http?: HttpOptions;
  env?: NodeJS.ProcessEnv;
  /** End the run as KILLED on SIGINT/SIGTERM (default true). */
  handleSignals?: boolean;
  /** Where one-line notices go (default: stderr). */
  log?: (line: string) => void;
}

export interface FinishReport {
  runId?: string;
  /** True when the store holds everything the work dir holds. */
  delivered: boolean;
  /** Events the store refused for good, and the reason delivery stopped if it did. */
  problems: string[];
}

export interface RunTracker {
  /** The run's id in the store; undefined while the server has not been reached yet. */
  readonly runId: string | undefined;
  readonly workDir: string;
  /** The store's location (FileStore root or server URL). */
  readonly location: string;
  logParams(params: Record<string, string | number | boolean>): void;
  /** Logs the flattened config as params (long values truncated and listed in a tag) and the full config as an artifact. */
  logConfig(config: Record<string, unknown>, configFile?: string): void;
  /** Records metric values of `step`; returns at once (queued and sent in batches). */
  logMetrics(step: number, values: Record<string, number>, timestamp?: number): void;
  setTags(tags: Record<string, string>): void;
  /** Uploads a file to `<artifacts>/<artifactPath>/<file name>`; the file must still exist when it is sent. */
  logArtifact(localPath: string, artifactPath?: string): void;
  /** Delivers what is queued now. */
  flush(): Promise<void>;
  /** Ends the run with `status` and its end time and delivers everything; later calls return the same report. */
  finish(status?: Extract<RunStatus, 'FINISHED' | 'FAILED' | 'KILLED'>): Promise<FinishReport>;
}

const defaultLog = (line: string): void => void process.stderr.write(`${line}\n`);

/**
 * How long opening a training run waits for the store before the run is
 * created in the background: the most a slow or hung server adds before iteration 1.
 */
export const TRAINING_CONNECT_WAIT_MS = 800;
/** The wait at the end of a run whose store never answered (everything stays in the work dir for `detlab mlflow sync`). */
const UNANSWERED_FINISH_MS = 10_000;

class MlflowRunTracker implements RunTracker {
  private queue: MetricPoint[] = [];
  /** Set after any failed metric delivery: the next flush reconciles against metrics.jsonl instead. */
  private needsReconcile = false;
  private offlineSince?: number;
  private lastFailure = 0;
  private lastError?: string;
  /** Whether the last failed delivery failed transiently (worth another attempt). */
  private transient = false;
  private flushing?: Promise<void>;
  private finishing?: Promise<FinishReport>;
  private timer?: NodeJS.Timeout;
  private unregister?: () => void;
  private readonly checkedKeys = new Set<string>();
  private warnedClosed = false;
  private abandoned = false;
  private readonly metricsFile: string;

  constructor(
    private readonly link: RunLink,
    private readonly opts: Required<Pick<OpenRunOptions, 'flushIntervalMs' | 'retryIntervalMs' | 'finishTimeoutMs' | 'log'>>,
  ) {
    this.metricsFile = join(link.workDir, METRICS_FILE);
  }

  get runId(): string | undefined {
    return this.link.state.runId;
  }
  get workDir(): string {
    return this.link.workDir;
  }
  get location(): string {
    return this.link.store.location;
  }

  start(handleSignals: boolean): void {
    this.timer = setInterval(() => void this.tick(), this.opts.flushIntervalMs);
    this.timer.unref();
    if (handleSignals) this.unregister = onTermination(async () => void (await this.finish('KILLED')));
  }

  private tick(): void {
    if (this.finishing !== undefined) return;
    if (this.offlineSince !== undefined && Date.now() - this.lastFailure < this.opts.retryIntervalMs) return;
    void this.flush();
  }

  /**
   * After finish (possibly started by a signal handler while the training loop
   * still runs) further logging is dropped with one notice instead of throwing.
   */
  private closed(): boolean {
    if (this.finishing === undefined) return false;
    if (!this.warnedClosed) this.opts.log(`tracking: run ${this.runId ?? this.link.state.clientRunId} has ended; further logging is ignored`);
    this.warnedClosed = true;
    return true;
  }

  private spool(event: SpoolEvent): void {
    if (!this.closed()) appendSpool(this.workDir, event);
  }

  logParams(params: Record<string, string | number | boolean>): void {
    const values: Record<string, string> = {};
    const truncated: string[] = [];
    for (const [key, value] of Object.entries(params)) {
      assertValidKey('param', key);
      const text = String(value);
      values[key] = text.slice(0, MAX_PARAM_VALUE_LENGTH);
      if (text.length > MAX_PARAM_VALUE_LENGTH) truncated.push(key);
    }
    this.spool({ op: 'params', params: values });
    if (truncated.length > 0) this.setTags({ 'detlab.truncated_params': truncated.join(',') });
  }

  logConfig(config: Record<string, unknown>, configFile?: string): void {
    const { params, truncated } = flattenConfig(config);
    this.logParams(params);
    if (truncated.length > 0) {
      this.setTags({ 'detlab.truncated_params': `${truncated.join(',')} (cut to ${MAX_PARAM_VALUE_LENGTH} chars; full values in config.yaml)` });
    }
    let file = configFile;
    if (file === undefined) {
      file = join(this.workDir, 'config.yaml');
      writeFileSync(file, stringify(config));
    }
    this.logArtifact(file);
  }

  logMetrics(step: number, values: Record<string, number>, timestamp = Date.now()): void {
    if (this.closed()) return;
    if (!Number.isInteger(step)) throw new Error(`metric step must be an integer, got ${step}`);
    for (const [key, value] of Object.entries(values)) {
      if (!this.checkedKeys.has(key)) {
        assertValidKey('metric', key);
        this.checkedKeys.add(key);
      }
      if (typeof value !== 'number') throw new Error(`metric ${key} at step ${step} is not a number: ${JSON.stringify(value)}`);
    }
    appendMetricsLine(this.metricsFile, step, timestamp, values);
    // While a reconciliation is pending, metrics.jsonl holds everything: no need to keep points in memory.
    if (this.needsReconcile) return;
    for (const [key, value] of Object.entries(values)) this.queue.push({ key, value, timestamp, step });
  }

  setTags(tags: Record<string, string>): void {
    const values: Record<string, string> = {};
    for (const [key, value] of Object.entries(tags)) {
      assertValidKey('tag', key);
      values[key] = String(value).slice(0, MAX_TAG_VALUE_LENGTH);
    }
    this.spool({ op: 'tags', tags: values });
  }

  logArtifact(localPath: string, artifactPath?: string): void {
    this.spool({ op: 'artifact', path: resolve(localPath), artifactPath });
  }

  flush(): Promise<void> {
    this.flushing ??= this.deliver(false).finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  /** One delivery attempt; with `reconcile` (or after a failure) metrics are reconciled against metrics.jsonl. */
  private async deliver(reconcile: boolean): Promise<void> {
    try {
      await this.link.replaySpool();
      if (reconcile || this.needsReconcile) {
        // Read the file and drop the queue in one synchronous step, so no point is in both.
        const points = readMetricsLog(this.metricsFile);
        this.queue = [];
        this.needsReconcile = false;
        try {
          await this.link.reconcileMetrics(points);
        } catch (err) {
          this.needsReconcile = true;
          throw err;
        }
      }
      // Only what was queued when this delivery began: points logged meanwhile wait for the next
      // tick, so a steady stream of metrics is sent once per flush interval, not in a busy loop.
      let due = this.queue.length;
      while (due > 0) {
        const batch = this.queue.slice(0, Math.min(due, 5000));
        try {
          await this.link.sendPoints(batch);
        } catch (err) {
          // The batch may or may not have landed: reconcile before sending anything again.
          this.queue = [];
          this.needsReconcile = true;
          throw err;
        }
        this.queue.splice(0, batch.length);
        due -= batch.length;
      }
      if (this.offlineSince !== undefined) {
        this.opts.log(`tracking: ${this.location} reachable again; delivery resumed`);
        this.offlineSince = undefined;
      }
      this.lastError = undefined;
    } catch (err) {
      // Requests cut by the end of `finish` have nothing more to say.
      if (this.abandoned) return;
      if (!isTransient(err)) {
        this.transient = false;
        this.lastFailure = Date.now();
        this.lastError = (err as Error).message;
        this.link.problems.push(this.lastError);
        this.opts.log(`tracking: ${this.lastError}`);
        return;
      }
      this.failed(err as Error);
    }
  }

  /** Records a transient delivery failure; the next attempt waits retryIntervalMs. */
  failed(err: Error): void {
    this.lastFailure = Date.now();
    this.lastError = err.message;
    this.transient = true;
    if (this.offlineSince === undefined) {
      this.offlineSince = this.lastFailure;
      this.opts.log(`tracking: ${this.lastError}; training goes on, everything is kept in ${this.workDir} and sent when ${this.location} answers`);
    }
  }

  finish(status: Extract<RunStatus, 'FINISHED' | 'FAILED' | 'KILLED'> = 'FINISHED'): Promise<FinishReport> {
    if (this.finishing !== undefined) return this.finishing;
    appendSpool(this.workDir, { op: 'status', status, endTime: Date.now() });
    this.finishing = this.end();
    return this.finishing;
  }

  private async end(): Promise<FinishReport> {
    clearInterval(this.timer);
    this.unregister?.();
    // A store that has not answered once during the run (down, or accepting and never replying) gets a short wait.
    const budgetMs = this.link.run === undefined ? Math.min(this.opts.finishTimeoutMs, UNANSWERED_FINISH_MS) : this.opts.finishTimeoutMs;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), budgetMs)));
    let ended = false;
    // Metric batches are not retried request by request (see RestStore.logBatch): a transient failure here
    // means another reconciliation, until delivery succeeds or the time is up.
    const deliverAll = async (): Promise<void> => {
      await this.flushing;
      await this.deliver(true);
      while (!ended && this.lastError !== undefined && this.transient) {
        await sleep(Math.min(this.opts.retryIntervalMs, 1000), undefined, { ref: false });
        if (!ended) await this.deliver(true);
      }
    };
    const outcome = await Promise.race([deliverAll().then(() => 'done' as const), timeout]);
    ended = true;
    clearTimeout(timer);
    // Requests still waiting for the store would keep the process alive after the run.
    if (outcome === 'timeout') {
      this.abandoned = true;
      this.link.store.close?.();
    }
    const delivered = outcome === 'done' && this.lastError === undefined;
    const problems = [...this.link.problems];
    if (!delivered) {
      const why = outcome === 'timeout' ? `delivery took longer than ${budgetMs} ms` : (this.lastError ?? 'unknown error');
      problems.push(why);
      this.opts.log(`tracking: run not fully delivered to ${this.location} (${why}); run \`detlab mlflow sync ${this.workDir}\` to send the rest`);
    }
    return { runId: this.runId, delivered, problems };
  }
}

/** A configured way to open runs: what a `tracker` registry component builds. */
export interface Tracker {
  openRun(opts: OpenRunOptions): Promise<RunTracker>;
}

/** A Tracker whose runs get `defaults` unless the caller sets them. */
export function trackerWith(defaults: Partial<OpenRunOptions>): Tracker {
  return {
    openRun: (opts) => openRun({ ...defaults, ...opts, tags: { ...defaults.tags, ...opts.tags } }),
  };
}

/** Opens (or continues, see above) a tracked run. Throws on configuration errors, never because a server is down. */
export async function openRun(opts: OpenRunOptions): Promise<RunTracker> {
  const env = opts.env ?? process.env;
  const target = resolveTrackingUri(opts.uri, env);
  const location = target.kind === 'rest' ? target.baseUrl : target.root;
  const workDir = resolve(opts.workDir);
  mkdirSync(workDir, { recursive: true });
  cutTornTail(join(workDir, METRICS_FILE));
  let state: RunState | undefined = readRunState(workDir);
  if (state !== undefined && (state.trackingUri !== location || state.experimentName !== opts.experimentName)) {
    throw new Error(
      `${join(workDir, 'mlflow_run.json')}: this work dir tracks a run of experiment "${state.experimentName}" in ${state.trackingUri}, ` +
        `not "${opts.experimentName}" in ${location}; use a new work dir`,
    );
  }
  if (state === undefined) {
    const clientRunId = randomUUID().replaceAll('-', '');
    const createTags: Record<string, string> = { ...systemTags({ runName: opts.runName, note: opts.note }), ...opts.tags, [CLIENT_RUN_TAG]: clientRunId };
    if (opts.trialId !== undefined) createTags[TRIAL_TAG] = opts.trialId;
    const parentWorkDir = opts.parent?.workDir ?? opts.parentWorkDir;
    const parentRunId = opts.parentRunId ?? opts.parent?.runId ?? (parentWorkDir === undefined ? undefined : readRunState(parentWorkDir)?.runId);
    if (parentRunId !== undefined) createTags[PARENT_TAG] = parentRunId;
    state = {
      version: 1,
      trackingUri: location,
      experimentName: opts.experimentName,
      clientRunId,
      runName: opts.runName,
      startTime: Date.now(),
      trialId: opts.trialId,
      parentRunId,
      parentWorkDir: parentRunId === undefined ? parentWorkDir : undefined,
      createTags,
      spoolDone: 0,
    };
    writeRunState(workDir, state);
  } else {
    // Continuing the run of this work dir (a resumed job): it is running again.
    appendSpool(workDir, { op: 'status', status: 'RUNNING' });
  }
  const http: HttpOptions = { maxRetries: 3, backoffMs: 500, timeoutMs: 30_000, env, ...opts.http };
  const link = new RunLink(workDir, state, storeFor(location, http));
  const tracker = new MlflowRunTracker(link, {
    flushIntervalMs: opts.flushIntervalMs ?? 1000,
    retryIntervalMs: opts.retryIntervalMs ?? 15_000,
    finishTimeoutMs: opts.finishTimeoutMs ?? 60_000,
    log: opts.log ?? defaultLog,
  });
  // Creating the run and the first delivery get connectWaitMs, then go on in the background; a store that
  // answers in that time still reports configuration errors (bad credentials, a deleted experiment, a blocked port) here.
  const opened = link.connect().then(() => tracker.flush()).then(() => undefined, (err: unknown) => err as Error);
  let waited: NodeJS.Timeout | undefined;
  const early = await Promise.race([opened, new Promise<'pending'>((r) => (waited = setTimeout(() => r('pending'), opts.connectWaitMs ?? 30_000)))]);
  clearTimeout(waited);
  if (early instanceof Error) {
    if (!isTransient(early)) throw early;
    tracker.failed(early);
  }
  tracker.start(opts.handleSignals ?? true);
  return tracker;
}
