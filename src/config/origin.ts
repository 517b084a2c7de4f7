/**
 * Where each config value came from. Origins are kept in a map keyed by the
 * dotted path of the value (`model.head.num_classes`, list items by index:
 * `data.train.transforms.0`), so merging, overrides and references can carry
 * them along and every message can name `file:line`.
 */
import { isAbsolute, relative } from 'node:path';

export type Origin =
  | { readonly kind: 'file'; readonly file: string; readonly line: number; readonly col: number }
  | { readonly kind: 'set'; readonly text: string }
  /** Filled in from a component's or section's schema default. */
  | { readonly kind: 'default' };

export type OriginMap = Map<string, Origin>;

export type ConfigPath = readonly (string | number)[];

export function pathKey(path: ConfigPath): string {
  return path.join('.');
}

/** A file name as users should read it: relative to the working directory when inside it. */
export function displayFile(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file;
}

/** `file:line`, `--set a.b=1` or `default`. */
export function formatOrigin(origin: Origin): string {
  if (origin.kind === 'set') return `--set ${origin.text}`;
  if (origin.kind === 'default') return 'default';
  return `${displayFile(origin.file)}:${origin.line}`;
}

/** The origin of `path`, or of its nearest ancestor that has one (defaults and missing keys have none). */
export function nearestOrigin(origins: OriginMap, path: ConfigPath): Origin | undefined {
  for (let n = path.length; n >= 0; n--) {
    const origin = origins.get(pathKey(path.slice(0, n)));
    if (origin !== undefined) return origin;
  }
  return undefined;
}

/** Whether `key` is `prefix` or lies under it. */
export function isUnder(key: string, prefix: string): boolean {
  return prefix === '' || key === prefix || key.startsWith(`${prefix}.`);
}

/** Removes the origins of `prefix` and everything under it. */
export function dropOrigins(origins: OriginMap, prefix: string): void {
  for (const key of [...origins.keys()]) if (isUnder(key, prefix)) origins.delete(key);
}

/** After item `index` of the list at `list` is removed, the origins of the items behind it move down by one. */
export function shiftListOrigins(origins: OriginMap, list: string, index: number): void {
  const prefix = `${list}.`;
  const moved: [string, Origin][] = [];
  for (const [key, origin] of [...origins]) {
    if (!key.startsWith(prefix)) continue;
    const rest = key.slice(prefix.length);
    const dot = rest.indexOf('.');
    const item = Number(dot < 0 ? rest : rest.slice(0, dot));
    if (item <= index) continue;
    origins.delete(key);
    moved.push([`${prefix}${item - 1}${dot < 0 ? '' : rest.slice(dot)}`, origin]);
  }
  for (const [key, origin] of moved) origins.set(key, origin);
}
