/**
 * Loading a config the way every command does: the file and its `_base_`
 * files merged, then `--set` overrides, then `${...}` references resolved.
 */
import { dirname, isAbsolute, resolve } from 'node:path';
import { ConfigError, fileOrigin } from './errors.js';
import { loadConfigFile, type LoadedFiles } from './load.js';
import type { OriginMap } from './origin.js';
import { applyOverrides, parseOverride } from './overrides.js';
import { resolveReferences } from './references.js';
import { deepClone, type ConfigMap } from './tree.js';

export interface LoadedConfig {
  /** The merged, overridden, resolved config (defaults not yet applied). */
  config: ConfigMap;
  /** The origin of every value, keyed by dotted path. */
  origins: OriginMap;
  /** Absolute path of the file that was asked for. */
  file: string;
  /** Every file read (the asked-for file first, then its bases). */
  files: string[];
}

export interface LoadOptions {
  /** `--set` texts, applied in order. */
  overrides?: readonly string[];
  /** The file already loaded with its bases (loadConfigFile), when many configs start from it (a sweep's trials). */
  loaded?: LoadedFiles;
}

export function loadConfig(file: string, options: LoadOptions = {}): LoadedConfig {
  const overrides = (options.overrides ?? []).map(parseOverride);
  const pre = options.loaded;
  const loaded = pre === undefined ? loadConfigFile(file) : { value: deepClone(pre.value), origins: new Map(pre.origins), files: pre.files };
  // An empty file is a mistake (a wrong path, a lost edit), not a config with every default.
  if (Object.keys(loaded.value).length === 0) {
    throw new ConfigError({ origin: fileOrigin(loaded.files[0], 1), message: 'the config is empty: it sets no keys (write a _base_: to inherit from, or the sections to set)' });
  }
  const layer = { value: loaded.value, origins: loaded.origins };
  applyOverrides(layer, overrides);
  resolveReferences(layer);
  absolutePlugins(layer.value, layer.origins);
  return { config: layer.value, origins: layer.origins, file: loaded.files[0], files: loaded.files };
}

/**
 * `plugins:` entries are relative to the file that wrote them; they are made
 * absolute here so the merged config still names the same folders once it is
 * printed or saved elsewhere (a run's work dir).
 */
function absolutePlugins(config: ConfigMap, origins: OriginMap): void {
  if (!Array.isArray(config.plugins)) return;
  config.plugins = config.plugins.map((entry: unknown, i) => {
    if (typeof entry !== 'string' || entry === '' || isAbsolute(entry)) return entry;
    const origin = origins.get(`plugins.${i}`);
    return resolve(origin?.kind === 'file' ? dirname(origin.file) : process.cwd(), entry);
  });
}
