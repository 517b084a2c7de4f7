/**
 * Splits a batch into log-batch requests the server accepts: at most 100
 * params, 100 tags and 1000 metrics, 1000 entities in all, and a JSON body
 * under 1 MB (limits of `_validate_batch_log_limits` in MLflow's server).
 */
import { MAX_BATCH_BYTES, MAX_ENTITIES_PER_BATCH, MAX_METRICS_PER_BATCH, MAX_PARAMS_TAGS_PER_BATCH } from './limits.js';
import { encodeMetricValue } from './metrics_log.js';
import type { Batch } from './store.js';

export interface BatchLimits {
  metrics: number;
  paramsOrTags: number;
  entities: number;
  bytes: number;
}

export const MLFLOW_BATCH_LIMITS: BatchLimits = {
  metrics: MAX_METRICS_PER_BATCH,
  paramsOrTags: MAX_PARAMS_TAGS_PER_BATCH,
  entities: MAX_ENTITIES_PER_BATCH,
  bytes: MAX_BATCH_BYTES,
};

const emptyBatch = (): Batch => ({ metrics: [], params: {}, tags: {} });

export function chunkBatch(batch: Batch, limits: BatchLimits = MLFLOW_BATCH_LIMITS): Batch[] {
  const chunks: Batch[] = [];
  let cur = emptyBatch();
  let counts = { metrics: 0, params: 0, tags: 0, bytes: 0 };
  const flush = (): void => {
    if (counts.metrics + counts.params + counts.tags > 0) chunks.push(cur);
    cur = emptyBatch();
    counts = { metrics: 0, params: 0, tags: 0, bytes: 0 };
  };
  const fits = (kind: 'metrics' | 'params' | 'tags', bytes: number): boolean => {
    const cap = kind === 'metrics' ? limits.metrics : limits.paramsOrTags;
    return counts[kind] < cap && counts.metrics + counts.params + counts.tags < limits.entities && counts.bytes + bytes <= limits.bytes;
  };
  const add = (kind: 'metrics' | 'params' | 'tags', bytes: number, put: () => void): void => {
    if (bytes > limits.bytes) throw new Error(`a single MLflow ${kind.slice(0, -1)} is larger than the ${limits.bytes}-byte request limit`);
    if (!fits(kind, bytes)) flush();
    put();
    counts[kind] += 1;
    counts.bytes += bytes;
  };
  const size = (entity: unknown): number => Buffer.byteLength(JSON.stringify(entity)) + 1;
  for (const [key, value] of Object.entries(batch.params)) add('params', size({ key, value }), () => (cur.params[key] = value));
  for (const [key, value] of Object.entries(batch.tags)) add('tags', size({ key, value }), () => (cur.tags[key] = value));
  for (const m of batch.metrics) {
    add('metrics', size({ key: m.key, value: encodeMetricValue(m.value), timestamp: m.timestamp, step: m.step }), () => cur.metrics.push(m));
  }
  flush();
  return chunks;
}
