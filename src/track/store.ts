/**
 * What a tracking backend offers the run tracker: the embedded FileStore
 * writer (file_store.ts) and the REST client (rest_store.ts) both implement it,
 * so queueing, spooling and reconciliation are written once.
 */
import type { MetricPoint } from './metrics_log.js';

export type RunStatus = 'RUNNING' | 'SCHEDULED' | 'FINISHED' | 'FAILED' | 'KILLED';

export interface RunInfo {
  runId: string;
  experimentId: string;
  runName: string;
  status: RunStatus;
  startTime: number;
  endTime?: number;
  artifactUri: string;
  tags: Record<string, string>;
  /** The keys of the metrics the run has logged. */
  metricKeys: string[];
}

export interface CreateRunRequest {
  experimentId: string;
  runName: string;
  startTime: number;
  tags: Record<string, string>;
}

export interface Batch {
  metrics: MetricPoint[];
  params: Record<string, string>;
  tags: Record<string, string>;
}

export interface TrackingStore {
  /** Human-readable location for messages (`/abs/mlruns`, `http://host:5000`). */
  readonly location: string;
  /** The id of the active experiment named `name`, created when missing; safe when several processes race. */
  getOrCreateExperiment(name: string): Promise<string>;
  createRun(req: CreateRunRequest): Promise<RunInfo>;
  getRun(runId: string): Promise<RunInfo>;
  /** Active runs of `experimentId` whose tag `key` equals `value`, newest first. */
  findRunsByTag(experimentId: string, key: string, value: string): Promise<RunInfo[]>;
  logBatch(runId: string, batch: Batch): Promise<void>;
  updateRun(runId: string, status: RunStatus, endTime?: number): Promise<void>;
  /** Copies or uploads a local file to `<run artifacts>/<artifactPath>/<basename>`. */
  logArtifact(run: RunInfo, localPath: string, artifactPath?: string): Promise<void>;
  /** The full history of metric `key` of a run (all steps, all points). */
  getMetricHistory(runId: string, key: string): Promise<MetricPoint[]>;
  /** Abandons the requests in flight (a store that does not answer must not keep the process alive). */
  close?(): void;
}
