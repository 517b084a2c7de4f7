/** `detlab config diff`: the leaves where two configs differ, with both values. */
import { pathKey } from './origin.js';
import { deepEqual, isMap } from './tree.js';

export interface ConfigDifference {
  path: string;
  /** Undefined when the key is absent on that side. */
  a: unknown;
  b: unknown;
}

/** Lists compare as whole values (they replace, never merge); maps compare key by key. */
export function diffConfigs(a: unknown, b: unknown): ConfigDifference[] {
  const out: ConfigDifference[] = [];
  walk(a, b, [], out);
  return out;
}

function walk(a: unknown, b: unknown, path: string[], out: ConfigDifference[]): void {
  if (isMap(a) && isMap(b)) {
    const keys = [...Object.keys(a), ...Object.keys(b).filter((k) => !Object.hasOwn(a, k))];
    for (const key of keys) walk(Object.hasOwn(a, key) ? a[key] : undefined, Object.hasOwn(b, key) ? b[key] : undefined, [...path, key], out);
    return;
  }
  if (!deepEqual(a, b)) out.push({ path: pathKey(path), a, b });
}
