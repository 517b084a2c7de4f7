/**
 * The resolved config as MLflow params: nested maps flattened to dotted keys
 * (`model.head.num_classes`), lists indexed (`data.scales.0`), scalars as
 * strings. Values longer than MLflow's limit are truncated and listed in the
 * `detlab.truncated_params` tag; the full config goes up as an artifact.
 */
import { MAX_PARAM_VALUE_LENGTH, keyProblem } from './limits.js';

export interface FlatParams {
  params: Record<string, string>;
  /** Keys whose value was cut to MAX_PARAM_VALUE_LENGTH characters. */
  truncated: string[];
}

function scalar(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return value;
  return String(value);
}

export function flattenConfig(config: Record<string, unknown>, maxValueLength = MAX_PARAM_VALUE_LENGTH): FlatParams {
  const params: Record<string, string> = {};
  const truncated: string[] = [];
  const visit = (value: unknown, path: string): void => {
    const isMap = typeof value === 'object' && value !== null && !Array.isArray(value);
    const entries: [string, unknown][] = Array.isArray(value) ? value.map((v, i) => [String(i), v]) : isMap ? Object.entries(value) : [];
    if ((Array.isArray(value) || isMap) && entries.length > 0) {
      for (const [k, v] of entries) visit(v, path === '' ? k : `${path}.${k}`);
      return;
    }
    const text = Array.isArray(value) ? '[]' : isMap ? '{}' : scalar(value);
    const problem = keyProblem(path);
    if (problem !== undefined) throw new Error(`config key ${JSON.stringify(path)} cannot be an MLflow param: it ${problem}`);
    if (text.length > maxValueLength) {
      params[path] = text.slice(0, maxValueLength);
      truncated.push(path);
    } else {
      params[path] = text;
    }
  };
  visit(config, '');
  return { params, truncated };
}
