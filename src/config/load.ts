/**
 * Loading a config file with its `_base_` files. `_base_` is a path or a list
 * of paths relative to the file; bases load recursively, a list merges left to
 * right and the file itself last. A cycle or a missing file is an error that
 * prints the chain of files that led to it.
 */
import { dirname, resolve } from 'node:path';
import { ConfigError, fileOrigin } from './errors.js';
import { mergeLayers, emptyLayer, type Layer } from './merge.js';
import { displayFile, dropOrigins, type Origin } from './origin.js';
import { parseYamlFile, readYamlText } from './parse_yaml.js';
import { deepClone, isMap } from './tree.js';

export const BASE_KEY = '_base_';

export interface LoadedFiles extends Layer {
  /** Every file read, the requested one first. */
  files: string[];
}

export function loadConfigFile(file: string): LoadedFiles {
  const files: string[] = [];
  const layer = loadWithBases(resolve(file), [], undefined, new Map(), files);
  return { value: deepClone(layer.value), origins: new Map(layer.origins), files };
}

function chainText(chain: readonly string[], last?: string): string {
  return [...chain, ...(last === undefined ? [] : [last])].map(displayFile).join(' -> ');
}

function loadWithBases(file: string, chain: string[], includedAt: Origin | undefined, cache: Map<string, Layer>, files: string[]): Layer {
  const cached = cache.get(file);
  if (cached !== undefined) return cached;
  let text: string;
  try {
    text = readYamlText(file);
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found' : `cannot be read (${(err as Error).message})`;
    if (includedAt === undefined) throw new ConfigError({ message: `config file ${displayFile(file)} ${reason}` });
    throw new ConfigError({ origin: includedAt, message: `base file ${displayFile(file)} ${reason} (chain: ${chainText(chain)})` });
  }
  files.push(file);
  const parsed = parseYamlFile(text, file);
  if (parsed.value === null) parsed.value = {};
  if (!isMap(parsed.value)) {
    throw new ConfigError({ origin: parsed.origins.get('') ?? fileOrigin(file, 1), message: 'a config file must hold a map of keys at its top level' });
  }
  const own: Layer = { value: parsed.value, origins: parsed.origins };
  const bases = basePaths(own, file);
  delete own.value[BASE_KEY];
  dropOrigins(own.origins, BASE_KEY);

  const here = [...chain, file];
  let merged = emptyLayer();
  for (const { path, origin } of bases) {
    const basePath = resolve(dirname(file), path);
    if (here.includes(basePath)) {
      throw new ConfigError({ origin, message: `_base_ cycle: ${chainText(here, basePath)}` });
    }
    merged = mergeLayers(merged, loadWithBases(basePath, here, origin, cache, files));
  }
  const layer = mergeLayers(merged, own);
  cache.set(file, layer);
  return layer;
}

function basePaths(layer: Layer, file: string): { path: string; origin: Origin }[] {
  const raw = layer.value[BASE_KEY];
  if (raw === undefined) return [];
  const at = (key: string): Origin => layer.origins.get(key) ?? fileOrigin(file, 1);
  const list = Array.isArray(raw) ? raw : [raw];
  return list.map((item, i) => {
    const key = Array.isArray(raw) ? `${BASE_KEY}.${i}` : BASE_KEY;
    if (typeof item !== 'string' || item === '') {
      throw new ConfigError({ origin: at(key), message: `_base_ must be a file path or a list of file paths, got ${JSON.stringify(item)}` });
    }
    return { path: item, origin: at(key) };
  });
}
