/**
 * The whole path from a config file to a checked config, as `train`, `eval`
 * and `config validate` use it: load (bases, overrides, references), discover
 * the registry with the config's plugins and `--plugin` folders, validate and
 * apply defaults. Every problem is a ConfigError naming file:line.
 */
import { resolve } from 'node:path';
import { loadConfig, type LoadedConfig, type LoadOptions } from '../config/config.js';
import { ConfigError } from '../config/errors.js';
import { displayFile } from '../config/origin.js';
import { configPlugins, discoverRegistry, type PluginRef } from './discover.js';
import { issuesError } from './build.js';
import type { Registry } from './registry.js';
import { Validator } from './validate.js';

export interface ValidatedConfig extends LoadedConfig {
  registry: Registry;
}

export interface ValidateOptions extends LoadOptions {
  /** `--plugin` folders or files, relative to the working directory. */
  plugins?: readonly string[];
}

/**
 * Discovers the registry for a loaded config: built-ins, its `plugins:` and the extra plugin paths.
 * A plugin is code, run when imported: commands that only look at a config pass
 * `configPlugins: 'refuse'`, and then a `plugins:` entry not also named with `--plugin` is an error at its line.
 */
export async function registryFor(loaded: LoadedConfig, extraPlugins: readonly string[] = [], o: { configPlugins?: 'load' | 'refuse'; command?: string } = {}): Promise<Registry> {
  const fromConfig = configPlugins(loaded.config.plugins, (i) =>
    loaded.origins.get(Array.isArray(loaded.config.plugins) ? `plugins.${i}` : 'plugins'),
  );
  const fromCli: PluginRef[] = extraPlugins.map((p) => ({ path: resolve(p) }));
  if (o.configPlugins === 'refuse') {
    const untrusted = fromConfig.filter((p) => !fromCli.some((c) => c.path === p.path));
    if (untrusted.length > 0) {
      throw new ConfigError(untrusted.map((p) => ({
        origin: p.origin,
        message: `plugins: ${displayFile(p.path)} is code, which ${o.command ?? 'this command'} does not run unless told: pass --trust-plugins (or --plugin ${displayFile(p.path)}); train, eval and sweep run load a config's plugins`,
      })));
    }
  }
  return discoverRegistry([...fromCli, ...fromConfig]);
}

export async function loadValidatedConfig(file: string, options: ValidateOptions = {}): Promise<ValidatedConfig> {
  const loaded = loadConfig(file, options);
  const registry = await registryFor(loaded, options.plugins);
  const issues = new Validator(registry).validateConfig(loaded.config);
  if (issues.length > 0) throw issuesError(issues, loaded.origins);
  return { ...loaded, registry };
}
