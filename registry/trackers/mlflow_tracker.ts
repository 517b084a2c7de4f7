/** Tracks runs in MLflow: an embedded FileStore (default ./mlruns) or a tracking server over REST. */
import { defineComponent } from '../../src/registry/component.js';
import { trackerWith, type Tracker } from '../../src/track/tracker.js';

interface Options {
  uri: string;
  flush_interval_ms: number;
  retry_interval_ms: number;
  finish_timeout_ms: number;
  tags: Record<string, string>;
}

export const MLflowTracker = defineComponent<Options, Tracker>({
  kind: 'tracker',
  name: 'MLflowTracker',
  description: 'MLflow tracking: FileStore directory or tracking server, batched in the background, spooled when offline',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      uri: { type: 'string', default: '', description: 'tracking URI (http(s)://, file: or a path); MLFLOW_TRACKING_URI overrides it; empty means ./mlruns' },
      flush_interval_ms: { type: 'integer', minimum: 10, default: 1000, description: 'period of the background delivery, in ms' },
      retry_interval_ms: { type: 'integer', minimum: 10, default: 15000, description: 'pause after a failed delivery before the next attempt, in ms' },
      finish_timeout_ms: { type: 'integer', minimum: 0, default: 60000, description: 'how long ending a run may spend delivering what is left, in ms' },
      tags: { type: 'object', additionalProperties: { type: 'string' }, default: {}, description: 'tags added to every run' },
    },
  },
  build: (o) =>
    trackerWith({
      uri: o.uri === '' ? undefined : o.uri,
      flushIntervalMs: o.flush_interval_ms,
      retryIntervalMs: o.retry_interval_ms,
      finishTimeoutMs: o.finish_timeout_ms,
      tags: o.tags,
    }),
});
