/**
 * Bounds on what detlab reads, checked before anything is expanded, so that
 * no file or spec can take unbounded time or memory. Each limit is far above
 * what a real config or study needs and can be raised by its environment
 * variable (docs/reliability.md).
 */
import { UserError } from './errors.js';

export interface Limit {
  env: string;
  fallback: number;
  /** What is counted, for messages ("bytes in one YAML file"). */
  counts: string;
}

export const LIMITS = {
  yamlBytes: { env: 'DETLAB_MAX_YAML_BYTES', fallback: 4 * 1024 * 1024, counts: 'bytes in one YAML file' },
  yamlNodes: { env: 'DETLAB_MAX_YAML_NODES', fallback: 200_000, counts: 'values in one YAML file (aliases expanded)' },
  stringLength: { env: 'DETLAB_MAX_STRING_LENGTH', fallback: 65_536, counts: 'characters in one YAML string' },
  trials: { env: 'DETLAB_MAX_TRIALS', fallback: 10_000, counts: 'trials in one sweep' },
} satisfies Record<string, Limit>;

/** The limit's value: its environment variable when set, else its default. */
export function limitOf(limit: Limit, env: NodeJS.ProcessEnv = process.env): number {
  const text = env[limit.env];
  if (text === undefined || text === '') return limit.fallback;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 1) throw new UserError(`${limit.env}: expected a whole number ≥ 1, got '${text}'`);
  return n;
}

/** "N things, more than the limit of M (raise it with ...)", or "more than M things (...)" when the count stopped at the limit. */
export function overLimit(limit: Limit, got?: number, env: NodeJS.ProcessEnv = process.env): string {
  const max = limitOf(limit, env);
  const what = got === undefined ? `more than ${max} ${limit.counts}` : `${got} ${limit.counts}, more than the limit of ${max}`;
  return `${what} (raise it with ${limit.env}=N if this is intended)`;
}
