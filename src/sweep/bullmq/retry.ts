/** The spec's `retry:` section: how a queue executor retries a failed trial (the local executor does not retry). */
import type { JsonSchema } from '../../registry/component.js';
import type { RetryPolicy } from './queues.js';

export const RETRY_SCHEMA: JsonSchema = {
  type: 'object',
  description: 'retries of a failed trial on a queue executor (--executor bullmq); a resumed trial continues from its last checkpoint',
  additionalProperties: false,
  default: {},
  properties: {
    attempts: { type: 'integer', minimum: 1, description: 'tries in all, the first included', default: 3 },
    backoff: { enum: ['fixed', 'exponential'], description: 'fixed: wait delay between tries; exponential: delay, 2·delay, 4·delay, ...', default: 'exponential' },
    delay: { type: 'integer', minimum: 0, description: 'milliseconds before the first retry', default: 10000 },
  },
};

/** The retry policy of a loaded spec (its `retry:` section, defaults filled by validation); typed loosely so the schema's module never imports the spec's. */
export function retryPolicy(spec: object): RetryPolicy {
  const retry = (spec as { retry?: Partial<RetryPolicy> }).retry ?? {};
  return { attempts: retry.attempts ?? 3, backoff: retry.backoff ?? 'exponential', delay: retry.delay ?? 10_000 };
}
