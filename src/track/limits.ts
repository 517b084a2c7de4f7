/**
 * MLflow's server-side limits and key rules (mlflow/utils/validation.py), checked
 * on the client so a bad key fails where it is logged, not minutes later in a
 * background batch.
 */

export const MAX_METRICS_PER_BATCH = 1000;
export const MAX_PARAMS_TAGS_PER_BATCH = 100;
export const MAX_ENTITIES_PER_BATCH = 1000;
/** The server rejects log-batch bodies over 1 MB; keep a margin for the run id and framing. */
export const MAX_BATCH_BYTES = 1_000_000 - 10_000;
export const MAX_KEY_LENGTH = 250;
/** Param values above 6000 chars are truncated by current servers; we truncate ourselves and say so. */
export const MAX_PARAM_VALUE_LENGTH = 6000;
export const MAX_TAG_VALUE_LENGTH = 8000;

// POSIX servers also accept ':', Windows servers do not; we accept the portable set.
const KEY_CHARS = /^[\p{L}\p{N}_\-. /]+$/u;

/** Why `key` would be rejected by an MLflow server, or undefined when it is valid. */
export function keyProblem(key: string): string | undefined {
  if (key.length === 0) return 'is empty';
  if (key.length > MAX_KEY_LENGTH) return `is longer than ${MAX_KEY_LENGTH} characters`;
  if (!KEY_CHARS.test(key)) return 'may only contain letters, digits, "_", "-", ".", " " and "/"';
  // The server refuses names that normalize to another path (they would alias files in a store).
  if (key.startsWith('/') || key.endsWith('/') || key.includes('//')) return 'is not a normalized path ("/" at an end or doubled)';
  if (key.split('/').some((part) => part === '.' || part === '..')) return 'contains a "." or ".." path segment';
  return undefined;
}

export function assertValidKey(kind: 'metric' | 'param' | 'tag', key: string): void {
  const problem = keyProblem(key);
  if (problem !== undefined) throw new Error(`MLflow ${kind} key ${JSON.stringify(key)} ${problem}`);
}
