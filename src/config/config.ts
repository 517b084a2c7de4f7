/**
 * Loading a config the way every command does: the file and its `_base_`
 * files merged, then `--set` overrides, then `${...}` references resolved.
 */
import { loadConfigFile } from './load.js';
import type { OriginMap } from './origin.js';
import { applyOverrides, parseOverride } from './overrides.js';
import { resolveReferences } from './references.js';
import type { ConfigMap } from './tree.js';

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
}

export function loadConfig(file: string, options: LoadOptions = {}): LoadedConfig {
  const overrides = (options.overrides ?? []).map(parseOverride);
  const loaded = loadConfigFile(file);
  const layer = { value: loaded.value, origins: loaded.origins };
  applyOverrides(layer, overrides);
  resolveReferences(layer);
  return { config: layer.value, origins: layer.origins, file: loaded.files[0], files: loaded.files };
}
