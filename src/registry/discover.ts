/**
 * Discovery: imports every compiled component file under `registry/`, every
 * `*.section.js` under `src/`, and the plugin files or folders named by the
 * config (`plugins: [./my_heads]`, relative to the config file) or by
 * `--plugin DIR`, and registers what they export. Plugins are JavaScript (ESM);
 * a TypeScript plugin must be compiled first.
 */
import { existsSync, realpathSync, statSync } from 'node:fs';
import { dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import fg from 'fast-glob';
import { ConfigError, UserError } from '../config/errors.js';
import { displayFile, type Origin } from '../config/origin.js';
import { Registry } from './registry.js';

/** The compiled package root: `dist/` when running compiled code (this file is dist/src/registry/discover.js). */
export const DIST_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The checkout the compiled files come from (the parent of dist/). */
const SOURCE_ROOT = resolve(DIST_ROOT, '..');
const HAS_SOURCES = existsSync(join(SOURCE_ROOT, 'registry'));

/**
 * Whether a compiled file still has its TypeScript source. tsc never deletes
 * outputs, so a renamed component would otherwise stay registered from its old
 * dist/ file and collide with itself; an installed package without sources
 * keeps every file.
 */
function hasSource(relative: string): boolean {
  return !HAS_SOURCES || existsSync(join(SOURCE_ROOT, relative.replace(/\.js$/, '.ts')));
}

export interface PluginRef {
  /** Absolute path of a plugin folder or `.js` file. */
  path: string;
  /** Where the plugin was named (a config line or `--plugin`), for messages. */
  origin?: Origin;
}

const JS_PATTERNS = ['**/*.js', '**/*.mjs'];
const IGNORE = ['**/node_modules/**', '**/*.test.js', '**/*.d.ts'];

/** A registry holding the built-in components and sections plus the given plugins. */
export async function discoverRegistry(plugins: readonly PluginRef[] = []): Promise<Registry> {
  const registry = new Registry();
  const loaded = new Set<string>();
  const builtin = [
    ...(await fg('registry/**/*.js', { cwd: DIST_ROOT, ignore: IGNORE })),
    ...(await fg('src/**/*.section.js', { cwd: DIST_ROOT, ignore: IGNORE })),
  ].sort();
  for (const file of builtin.filter(hasSource)) await importInto(registry, join(DIST_ROOT, file), loaded);
  for (const plugin of plugins) {
    for (const file of await pluginFiles(plugin)) await importInto(registry, file, loaded, plugin);
  }
  return registry;
}

async function pluginFiles(plugin: PluginRef): Promise<string[]> {
  const fail = (message: string): never => {
    if (plugin.origin !== undefined) throw new ConfigError({ origin: plugin.origin, message });
    throw new UserError(message);
  };
  const shown = displayFile(plugin.path);
  if (!existsSync(plugin.path)) fail(`plugin ${shown} not found`);
  if (statSync(plugin.path).isFile()) {
    if (['.js', '.mjs'].includes(extname(plugin.path))) return [plugin.path];
    fail(`plugin ${shown} is not a .js file${tsHint(plugin.path)}`);
  }
  const files = (await fg(JS_PATTERNS, { cwd: plugin.path, absolute: true, ignore: IGNORE })).sort();
  if (files.length === 0) {
    const sources = await fg(['**/*.ts', '**/*.mts'], { cwd: plugin.path, ignore: ['**/node_modules/**', '**/*.d.ts'] });
    fail(`plugin folder ${shown} holds no .js files${sources.length > 0 ? tsHint(plugin.path) : ''}`);
  }
  return files;
}

function tsHint(path: string): string {
  return `; TypeScript plugins must be compiled to JavaScript first (e.g. \`npx tsc\`), then name the compiled folder (${displayFile(path)})`;
}

async function importInto(registry: Registry, file: string, loaded: Set<string>, plugin?: PluginRef): Promise<void> {
  const real = realpathSync(file);
  if (loaded.has(real)) return;
  loaded.add(real);
  let exports: Record<string, unknown>;
  try {
    exports = (await import(pathToFileURL(real).href)) as Record<string, unknown>;
  } catch (err) {
    const message = `cannot load ${plugin === undefined ? 'component file' : 'plugin file'} ${displayFile(real)}: ${(err as Error).message}`;
    const error = plugin?.origin !== undefined ? new ConfigError({ origin: plugin.origin, message }) : new UserError(message);
    error.cause = err;
    throw error;
  }
  registry.registerModule(exports, real);
}

/** Plugin paths from the config's `plugins:` list, each relative to the file that wrote it. */
export function configPlugins(plugins: unknown, originOf: (index: number) => Origin | undefined): PluginRef[] {
  if (plugins === undefined || plugins === null) return [];
  const list = Array.isArray(plugins) ? plugins : [plugins];
  return list.map((entry, i) => {
    const origin = originOf(i);
    if (typeof entry !== 'string' || entry === '') {
      throw new ConfigError({ origin, message: `plugins must list folder or .js file paths, got ${JSON.stringify(entry)}` });
    }
    const base = origin?.kind === 'file' ? dirname(origin.file) : process.cwd();
    return { path: resolve(base, entry), origin };
  });
}
