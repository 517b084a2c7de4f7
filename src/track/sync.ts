/**
 * Delivery of a work directory's run to its store, shared by the live tracker
 * (background flushes) and `detlab mlflow sync` (replay after the fact).
 *
 * Metrics are reconciled, not replayed: the store's history of each key in
 * `metrics.jsonl` is fetched and only the points it lacks (same step,
 * timestamp and value) are sent, so a sync can run any number of times, after
 * any partial failure, and never duplicates a point.
 */
import { isAbsolute, join } from 'node:path';
import { FileStore } from './file_store.js';
import { MlflowApiError, MlflowUnreachableError, type HttpOptions } from './http.js';
import { pointIdentity, readMetricsLog, type MetricPoint } from './metrics_log.js';
import { RestStore } from './rest_store.js';
import { METRICS_FILE, readRunState, readSpool, writeRunState, type RunState, type SpoolEvent } from './run_state.js';
import type { RunInfo, TrackingStore } from './store.js';
import { resolveTrackingUri } from './uri.js';

export const TRIAL_TAG = 'detlab.trial_id';
export const CLIENT_RUN_TAG = 'detlab.client_run_id';
export const PARENT_TAG = 'mlflow.parentRunId';

/** The parent run is not in the store yet, so a child cannot be created with its link. */
export class ParentPendingError extends Error {
  override name = 'ParentPendingError';
}

/** A failure worth retrying later (server down, 5xx, timeout) as opposed to a request the store refuses. */
export function isTransient(err: unknown): boolean {
  if (err instanceof MlflowUnreachableError || err instanceof ParentPendingError) return true;
  return err instanceof MlflowApiError && (err.status >= 500 || err.status === 408 || err.status === 429);
}

export function storeFor(trackingUri: string, http?: HttpOptions): TrackingStore {
  if (/^https?:\/\//i.test(trackingUri)) return new RestStore(trackingUri, http);
  if (!isAbsolute(trackingUri)) throw new Error(`tracking location ${trackingUri} is neither an http(s) URL nor an absolute path`);
  return new FileStore(trackingUri);
}

export interface SyncReport {
  runId: string;
  location: string;
  metricsSent: number;
  metricsPresent: number;
  eventsReplayed: number;
  /** Events the store refused for good (e.g. a param whose value changed); they are skipped. */
  problems: string[];
}

export class RunLink {
  run?: RunInfo;
  readonly problems: string[] = [];

  constructor(
    readonly workDir: string,
    readonly state: RunState,
    readonly store: TrackingStore,
  ) {}

  private connecting?: Promise<RunInfo>;

  /** Finds or creates the run in the store (see tracker.ts for the trial re-run rules); concurrent callers share one attempt. */
  connect(): Promise<RunInfo> {
    this.connecting ??= this.open().catch((err: unknown) => {
      this.connecting = undefined;
      throw err;
    });
    return this.connecting;
  }

  private async open(): Promise<RunInfo> {
    if (this.run !== undefined) return this.run;
    const s = this.state;
    s.experimentId ??= await this.store.getOrCreateExperiment(s.experimentName);
    let run: RunInfo | undefined;
    if (s.runId !== undefined) {
      run = await this.store.getRun(s.runId);
    } else {
      this.resolveParent();
      run = (await this.store.findRunsByTag(s.experimentId, CLIENT_RUN_TAG, s.clientRunId))[0];
      if (run === undefined && s.trialId !== undefined) run = await this.adoptTrialRun(s.experimentId, s.trialId);
      run ??= await this.store.createRun({ experimentId: s.experimentId, runName: s.runName, startTime: s.startTime, tags: s.createTags });
    }
    s.runId = run.runId;
    s.artifactUri = run.artifactUri;
    writeRunState(this.workDir, s);
    this.run = run;
    return run;
  }

  /** Takes the parent's run id from its work dir once the parent is in the store. */
  private resolveParent(): void {
    const s = this.state;
    if (s.parentRunId !== undefined || s.parentWorkDir === undefined) return;
    const parentId = readRunState(s.parentWorkDir)?.runId;
    if (parentId === undefined) throw new ParentPendingError(`parent run in ${s.parentWorkDir} is not in ${this.store.location} yet`);
    s.parentRunId = parentId;
    s.createTags[PARENT_TAG] = parentId;
  }

  /**
   * A re-run of a trial continues the newest earlier run with the same trial id
   * (and parent): it is set RUNNING again and keeps its history. Older
   * duplicates still RUNNING were abandoned by crashed processes and become KILLED.
   */
  private async adoptTrialRun(experimentId: string, trialId: string): Promise<RunInfo | undefined> {
    const parent = this.state.parentRunId;
    const earlier = (await this.store.findRunsByTag(experimentId, TRIAL_TAG, trialId)).filter((r) => r.tags[PARENT_TAG] === parent);
    const [newest, ...older] = earlier;
    if (newest === undefined) return undefined;
    for (const r of older) if (r.status === 'RUNNING') await this.store.updateRun(r.runId, 'KILLED', Date.now());
    if (newest.status !== 'RUNNING') await this.store.updateRun(newest.runId, 'RUNNING');
    return { ...newest, status: 'RUNNING' };
  }

  /** Sends spool entries the store has not confirmed yet; stops at the first transient failure (thrown). */
  async replaySpool(): Promise<number> {
    const run = await this.connect();
    const events = readSpool(this.workDir);
    let replayed = 0;
    while (this.state.spoolDone < events.length) {
      const event = events[this.state.spoolDone] as SpoolEvent;
      try {
        await this.apply(run, event);
        replayed += 1;
      } catch (err) {
        if (isTransient(err)) throw err;
        this.problems.push(`${join(this.workDir, 'mlflow_spool.jsonl')}:${this.state.spoolDone + 1}: ${(err as Error).message}`);
      }
      this.state.spoolDone += 1;
      writeRunState(this.workDir, this.state);
    }
    return replayed;
  }

  private async apply(run: RunInfo, event: SpoolEvent): Promise<void> {
    switch (event.op) {
      case 'params':
        return this.store.logBatch(run.runId, { metrics: [], params: event.params, tags: {} });
      case 'tags':
        return this.store.logBatch(run.runId, { metrics: [], params: {}, tags: event.tags });
      case 'artifact':
        return this.store.logArtifact(run, event.path, event.artifactPath);
      case 'status':
        return this.store.updateRun(run.runId, event.status, event.endTime);
    }
  }

  /** Sends points straight from memory (the fast path while the store answers). */
  async sendPoints(points: MetricPoint[]): Promise<void> {
    const run = await this.connect();
    await this.store.logBatch(run.runId, { metrics: points, params: {}, tags: {} });
  }

  /** Makes the store's metric histories contain every point of metrics.jsonl exactly once. */
  async reconcileMetrics(points = readMetricsLog(join(this.workDir, METRICS_FILE))): Promise<{ sent: number; present: number }> {
    const run = await this.connect();
    const byKey = new Map<string, MetricPoint[]>();
    for (const p of points) {
      const list = byKey.get(p.key) ?? [];
      list.push(p);
      byKey.set(p.key, list);
    }
    const missing: MetricPoint[] = [];
    let present = 0;
    for (const [key, points] of byKey) {
      const have = new Set((await this.store.getMetricHistory(run.runId, key)).map(pointIdentity));
      for (const p of points) {
        const id = pointIdentity(p);
        if (have.has(id)) {
          present += 1;
          continue;
        }
        have.add(id);
        missing.push(p);
      }
    }
    if (missing.length > 0) await this.store.logBatch(run.runId, { metrics: missing, params: {}, tags: {} });
    return { sent: missing.length, present };
  }
}

export interface SyncOptions {
  /** Send to this tracking URI instead of the one the run was started with (e.g. a server that now exists). */
  uri?: string;
  http?: HttpOptions;
}

/**
 * Delivers everything a work directory holds (spool and metrics.jsonl) to its
 * store. Idempotent: a second call sends nothing.
 */
export async function syncWorkDir(workDir: string, opts: SyncOptions = {}): Promise<SyncReport> {
  const state = readRunState(workDir);
  if (state === undefined) throw new Error(`${join(workDir, 'mlflow_run.json')}: not found; was this work dir tracked by detlab?`);
  if (opts.uri !== undefined) {
    const target = resolveTrackingUri(opts.uri, {}, workDir);
    const location = target.kind === 'rest' ? target.baseUrl : target.root;
    if (location !== state.trackingUri) {
      // A different store knows nothing of this run: create it there and send everything.
      Object.assign(state, { trackingUri: location, experimentId: undefined, runId: undefined, artifactUri: undefined, spoolDone: 0 });
    }
  }
  if (state.parentRunId === undefined && state.parentWorkDir !== undefined && readRunState(state.parentWorkDir)?.runId === undefined) {
    await syncWorkDir(state.parentWorkDir, opts);
  }
  const link = new RunLink(workDir, state, storeFor(state.trackingUri, opts.http));
  const eventsReplayed = await link.replaySpool();
  const { sent, present } = await link.reconcileMetrics();
  return { runId: state.runId as string, location: link.store.location, metricsSent: sent, metricsPresent: present, eventsReplayed, problems: link.problems };
}
