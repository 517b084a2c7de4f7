/**
 * Typed client of the MLflow tracking server's REST API 2.0 (paths and shapes
 * from mlflow/protos/service.proto and mlflow_artifacts.proto).
 */
import { copyFile, mkdir, readFile } from 'node:fs/promises';
import { basename, extname, isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chunkBatch } from './batching.js';
import { Http, MlflowApiError, type HttpOptions } from './http.js';
import { assertValidKey } from './limits.js';
import { decodeMetricValue, encodeMetricValue, type JsonMetricValue, type MetricPoint } from './metrics_log.js';
import type { Batch, CreateRunRequest, RunInfo, RunStatus, TrackingStore } from './store.js';

interface KeyValue {
  key: string;
  value: string;
}
interface ApiRun {
  info: { run_id: string; experiment_id: string; run_name?: string; status: RunStatus; start_time?: number; end_time?: number; artifact_uri?: string };
  data?: { tags?: KeyValue[]; metrics?: Array<{ key: string }> };
}
interface ApiExperiment {
  experiment_id: string;
  name: string;
  lifecycle_stage: 'active' | 'deleted';
}
interface ApiMetric {
  key: string;
  value: JsonMetricValue;
  timestamp: number;
  step?: number;
}

const CONTENT_TYPES: Record<string, string> = {
  '.json': 'application/json',
  '.yaml': 'text/yaml',
  '.yml': 'text/yaml',
  '.txt': 'text/plain',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.svg': 'image/svg+xml',
  '.html': 'text/html',
};

function toRunInfo(run: ApiRun): RunInfo {
  const tags: Record<string, string> = {};
  for (const t of run.data?.tags ?? []) tags[t.key] = t.value;
  return {
    runId: run.info.run_id,
    experimentId: run.info.experiment_id,
    runName: run.info.run_name ?? tags['mlflow.runName'] ?? '',
    status: run.info.status,
    startTime: Number(run.info.start_time ?? 0),
    endTime: run.info.end_time === undefined ? undefined : Number(run.info.end_time),
    artifactUri: run.info.artifact_uri ?? '',
    tags,
    metricKeys: (run.data?.metrics ?? []).map((m) => m.key),
  };
}

const kv = (record: Record<string, string>): KeyValue[] => Object.entries(record).map(([key, value]) => ({ key, value }));

export class RestStore implements TrackingStore {
  readonly location: string;
  readonly http: Http;

  constructor(
    readonly baseUrl: string,
    httpOptions: HttpOptions = {},
  ) {
    this.location = baseUrl;
    this.http = new Http(httpOptions);
  }

  close(): void {
    this.http.abort();
  }

  private api(path: string, query?: Record<string, string | number | undefined>): string {
    const url = new URL(`${this.baseUrl}/api/2.0/mlflow/${path}`);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) url.searchParams.append(k, String(v));
    return url.href;
  }

  private get<T>(path: string, query: Record<string, string | number | undefined>): Promise<T> {
    return this.http.request<T>({ method: 'GET', url: this.api(path, query) });
  }

  private post<T>(path: string, json: unknown, maxRetries?: number): Promise<T> {
    return this.http.request<T>({ method: 'POST', url: this.api(path), json, maxRetries });
  }

  async getExperimentByName(name: string): Promise<ApiExperiment | undefined> {
    try {
      const res = await this.get<{ experiment: ApiExperiment }>('experiments/get-by-name', { experiment_name: name });
      return res.experiment;
    } catch (err) {
      if (err instanceof MlflowApiError && err.errorCode === 'RESOURCE_DOES_NOT_EXIST') return undefined;
      throw err;
    }
  }

  async getOrCreateExperiment(name: string): Promise<string> {
    let exp = await this.getExperimentByName(name);
    if (exp === undefined) {
      try {
        return (await this.post<{ experiment_id: string }>('experiments/create', { name })).experiment_id;
      } catch (err) {
        // Another process created it between our lookup and create.
        if (!(err instanceof MlflowApiError && err.errorCode === 'RESOURCE_ALREADY_EXISTS')) throw err;
      }
      exp = await this.getExperimentByName(name);
      if (exp === undefined) throw new Error(`${this.baseUrl}: experiment "${name}" reported as existing but cannot be read`);
    }
    if (exp.lifecycle_stage === 'deleted') {
      throw new Error(`${this.baseUrl}: experiment "${name}" (id ${exp.experiment_id}) is deleted; restore it in the MLflow UI or use another name`);
    }
    return String(exp.experiment_id);
  }

  async createRun(req: CreateRunRequest): Promise<RunInfo> {
    for (const key of Object.keys(req.tags)) assertValidKey('tag', key);
    // One attempt only: a retried create can leave a duplicate run when the first reply was lost.
    // The caller looks the run up by its detlab.client_run_id tag before trying again.
    const res = await this.post<{ run: ApiRun }>('runs/create', {
      experiment_id: req.experimentId,
      run_name: req.runName,
      start_time: req.startTime,
      tags: kv(req.tags),
    }, 0);
    return toRunInfo(res.run);
  }

  async getRun(runId: string): Promise<RunInfo> {
    return toRunInfo((await this.get<{ run: ApiRun }>('runs/get', { run_id: runId })).run);
  }

  async findRunsByTag(experimentId: string, key: string, value: string): Promise<RunInfo[]> {
    if (value.includes("'") || key.includes('`')) throw new Error(`cannot search MLflow runs by tag ${key}=${value}: quotes are not supported`);
    const runs: RunInfo[] = [];
    let pageToken: string | undefined;
    do {
      const res = await this.post<{ runs?: ApiRun[]; next_page_token?: string }>('runs/search', {
        experiment_ids: [experimentId],
        filter: `tags.\`${key}\` = '${value}'`,
        run_view_type: 'ACTIVE_ONLY',
        max_results: 1000,
        order_by: ['attributes.start_time DESC'],
        page_token: pageToken,
      });
      for (const r of res.runs ?? []) runs.push(toRunInfo(r));
      pageToken = res.next_page_token;
    } while (pageToken);
    return runs;
  }

  async logBatch(runId: string, batch: Batch): Promise<void> {
    for (const m of batch.metrics) assertValidKey('metric', m.key);
    for (const k of Object.keys(batch.params)) assertValidKey('param', k);
    for (const k of Object.keys(batch.tags)) assertValidKey('tag', k);
    for (const chunk of chunkBatch(batch)) {
      // A metric batch whose reply was lost (a 500 or a timeout after the server applied it) would be logged
      // twice if sent again as it is: it is not retried here, the tracker reconciles against the store instead.
      const maxRetries = chunk.metrics.length > 0 ? 0 : undefined;
      await this.post(
        'runs/log-batch',
        {
          run_id: runId,
          metrics: chunk.metrics.map((m) => ({ key: m.key, value: encodeMetricValue(m.value), timestamp: m.timestamp, step: m.step })),
          params: kv(chunk.params),
          tags: kv(chunk.tags),
        },
        maxRetries,
      );
    }
  }

  async updateRun(runId: string, status: RunStatus, endTime?: number): Promise<void> {
    await this.post('runs/update', { run_id: runId, status, end_time: endTime });
  }

  /** Where an artifact goes: a URL to PUT to, or a local directory to copy into. */
  artifactTarget(artifactUri: string, relPath: string): { url: string } | { dir: string } {
    const clean = relPath.split('/').filter((s) => s !== '' && s !== '.');
    if (clean.includes('..')) throw new Error(`artifact path ${JSON.stringify(relPath)} must not contain ".."`);
    const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(artifactUri)?.[1]?.toLowerCase();
    if (scheme === 'mlflow-artifacts') {
      // mlflow-artifacts:/<path> or mlflow-artifacts://host:port/<path>, served under /api/2.0/mlflow-artifacts/artifacts.
      const rest = artifactUri.slice('mlflow-artifacts:'.length);
      const tracking = new URL(this.baseUrl);
      let origin = tracking.origin;
      let path = rest;
      if (rest.startsWith('//')) {
        const u = new URL(`${tracking.protocol}${rest}`);
        origin = u.origin;
        path = u.pathname;
      }
      const joined = [tracking.pathname, 'api/2.0/mlflow-artifacts/artifacts', path, ...clean].join('/').replace(/\/{2,}/g, '/');
      const encoded = joined.split('/').map(encodeURIComponent).join('/');
      return { url: `${origin}${encoded}` };
    }
    if (scheme === 'http' || scheme === 'https') return { url: [artifactUri.replace(/\/+$/, ''), ...clean.map(encodeURIComponent)].join('/') };
    if (scheme === 'file') return { dir: join(fileURLToPath(artifactUri), ...clean) };
    if (scheme === undefined && isAbsolute(artifactUri)) return { dir: join(artifactUri, ...clean) };
    throw new Error(`artifact URI ${artifactUri} uses a store detlab cannot write (${scheme ?? 'relative path'}); start the server with --serve-artifacts`);
  }

  async logArtifact(run: RunInfo, localPath: string, artifactPath?: string): Promise<void> {
    const target = this.artifactTarget(run.artifactUri, [artifactPath ?? '', basename(localPath)].join('/'));
    if ('dir' in target) {
      await mkdir(join(target.dir, '..'), { recursive: true });
      await copyFile(localPath, target.dir);
      return;
    }
    const body = await readFile(localPath);
    await this.http.request({ method: 'PUT', url: target.url, body, contentType: CONTENT_TYPES[extname(localPath).toLowerCase()] });
  }

  async getMetricHistory(runId: string, key: string): Promise<MetricPoint[]> {
    const points: MetricPoint[] = [];
    let pageToken: string | undefined;
    do {
      const res = await this.get<{ metrics?: ApiMetric[]; next_page_token?: string }>('metrics/get-history', {
        run_id: runId,
        metric_key: key,
        max_results: 25000,
        page_token: pageToken,
      });
      for (const m of res.metrics ?? []) points.push({ key: m.key, value: decodeMetricValue(m.value), timestamp: Number(m.timestamp), step: Number(m.step ?? 0) });
      pageToken = res.next_page_token;
    } while (pageToken);
    return points;
  }
}
