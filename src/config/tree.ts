/** Plain config trees: maps are plain objects, lists are arrays, leaves are YAML scalars. */
import type { ConfigPath } from './origin.js';

export type ConfigMap = Record<string, unknown>;

export function isMap(value: unknown): value is ConfigMap {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function deepClone<T>(value: T): T {
  if (Array.isArray(value)) return value.map(deepClone) as T;
  if (isMap(value)) {
    const copy: ConfigMap = {};
    for (const [key, item] of Object.entries(value)) copy[key] = deepClone(item);
    return copy as T;
  }
  return value;
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((item, i) => deepEqual(item, b[i]));
  if (isMap(a) && isMap(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((key) => key in b && deepEqual(a[key], b[key]));
  }
  return false;
}

/** The value at `path`, or undefined when some step is missing. */
export function getPath(root: unknown, path: ConfigPath): unknown {
  let node = root;
  for (const step of path) {
    if (Array.isArray(node) && typeof step === 'number') node = node[step];
    else if (isMap(node) && Object.hasOwn(node, String(step))) node = node[String(step)];
    else return undefined;
  }
  return node;
}

/** Every path in the tree, parents before children, with its value. */
export function* walkTree(value: unknown, path: (string | number)[] = []): Generator<[(string | number)[], unknown]> {
  yield [path, value];
  if (Array.isArray(value)) for (let i = 0; i < value.length; i++) yield* walkTree(value[i], [...path, i]);
  else if (isMap(value)) for (const [key, item] of Object.entries(value)) yield* walkTree(item, [...path, key]);
}
