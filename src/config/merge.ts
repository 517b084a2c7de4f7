/**
 * Merging a child config onto its base: maps merge deeply, lists and scalars
 * replace. `_delete_: true` in a child map replaces the base's map instead of
 * merging into it. `_delete_` is always removed, also where the base has no such
 * key, so it can never leak into a built object.
 */
import { ConfigError } from './errors.js';
import { pathKey, type OriginMap } from './origin.js';
import { isMap, walkTree, type ConfigMap } from './tree.js';

export const DELETE_KEY = '_delete_';

/** A config tree with the origin of every value. */
export interface Layer {
  value: ConfigMap;
  origins: OriginMap;
}

export function emptyLayer(): Layer {
  return { value: {}, origins: new Map() };
}

export function mergeLayers(base: Layer, child: Layer): Layer {
  const value = mergeValue(base.value, child.value, [], child.origins) as ConfigMap;
  // Every value of the result comes from the child when the child has it, else from the base.
  const origins: OriginMap = new Map();
  for (const [path] of walkTree(value)) {
    const key = pathKey(path);
    const origin = child.origins.get(key) ?? base.origins.get(key);
    if (origin !== undefined) origins.set(key, origin);
  }
  return { value, origins };
}

function mergeValue(base: unknown, child: unknown, path: (string | number)[], origins: OriginMap): unknown {
  if (Array.isArray(child)) return child.map((item, i) => mergeValue(undefined, item, [...path, i], origins));
  if (!isMap(child)) return child;
  const marker = child[DELETE_KEY];
  if (marker !== undefined && typeof marker !== 'boolean') {
    const key = pathKey([...path, DELETE_KEY]);
    throw new ConfigError({ origin: origins.get(key), message: `${key} must be true or false, got ${JSON.stringify(marker)}` });
  }
  const result: ConfigMap = isMap(base) && marker !== true ? { ...base } : {};
  for (const [key, item] of Object.entries(child)) {
    if (key === DELETE_KEY) continue;
    result[key] = mergeValue(result[key], item, [...path, key], origins);
  }
  return result;
}
