/**
 * Command-line overrides (`--set`), applied after `_base_` merging and before
 * references are resolved:
 *   a.b=1        change an existing key (a missing key is an error with a suggestion)
 *   +a.b=1       add a new key (an existing key is an error)
 *   ++a.b=1      add or change
 *   ~a.b         delete a key
 * Values are parsed as YAML (`c=[1,2]`, `x=null`, `name='007'`); list items are
 * addressed by index (`data.sizes.0=512`).
 */
import { LineCounter } from 'yaml';
import { closest } from './did_you_mean.js';
import { ConfigError } from './errors.js';
import type { Layer } from './merge.js';
import { dropOrigins, pathKey, shiftListOrigins, type Origin } from './origin.js';
import { parseYaml } from './parse_yaml.js';
import { isMap, walkTree, type ConfigMap } from './tree.js';

export type OverrideOp = 'set' | 'add' | 'force' | 'delete';

export interface Override {
  readonly op: OverrideOp;
  readonly path: readonly string[];
  readonly value?: unknown;
  /** The text as given, for messages and origins. */
  readonly text: string;
}

const KEY_PATH = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;

export function parseOverride(text: string): Override {
  const fail = (message: string): never => {
    throw new ConfigError({ origin: { kind: 'set', text }, message });
  };
  const prefix = text.startsWith('++') ? '++' : text.startsWith('+') ? '+' : text.startsWith('~') ? '~' : '';
  const body = text.slice(prefix.length);
  const eq = body.indexOf('=');
  const key = eq < 0 ? body : body.slice(0, eq);
  if (!KEY_PATH.test(key)) fail(`'${key}' is not a key path (expected words joined by dots, like model.head.num_classes)`);
  const path = key.split('.');
  if (path.includes('__proto__')) fail("'__proto__' is not allowed as a key");
  if (prefix === '~') {
    if (eq >= 0) fail('a deletion takes no value: write ~a.b');
    return { op: 'delete', path, text };
  }
  if (eq < 0) fail(`expected key=value, ~key, +key=value or ++key=value`);
  const source = body.slice(eq + 1);
  const lineCounter = new LineCounter();
  const origin: Origin = { kind: 'set', text };
  let value: unknown;
  try {
    value = parseYaml(source, () => origin, lineCounter).value;
  } catch (err) {
    if (err instanceof ConfigError) fail(`the value is not valid YAML: ${err.issues[0].message}`);
    throw err;
  }
  return { op: prefix === '++' ? 'force' : prefix === '+' ? 'add' : 'set', path, value, text };
}

/** Applies overrides in order to the layer (in place). */
export function applyOverrides(layer: Layer, overrides: readonly Override[]): void {
  for (const override of overrides) applyOne(layer, override);
}

function applyOne(layer: Layer, override: Override): void {
  const origin: Origin = { kind: 'set', text: override.text };
  const fail = (message: string): never => {
    throw new ConfigError({ origin, message });
  };
  const { path, op } = override;
  let container: unknown = layer.value;
  for (let i = 0; i < path.length - 1; i++) {
    const step = path[i];
    const next = child(container, step);
    if (next !== undefined && (isMap(next) || Array.isArray(next))) {
      container = next;
      continue;
    }
    const where = path.slice(0, i + 1).join('.');
    if (next !== undefined) fail(`${where} is a ${typeName(next)}, not a map or list`);
    if (op !== 'add' && op !== 'force') fail(`no key ${where} in the config${suggestion(container, step, path.slice(0, i))}`);
    const created: ConfigMap = {};
    (container as ConfigMap)[step] = created;
    layer.origins.set(path.slice(0, i + 1).join('.'), origin);
    container = created;
  }
  const last = path[path.length - 1];
  const exists = child(container, last) !== undefined;
  const full = path.join('.');
  if (op === 'add' && exists) fail(`${full} already exists; write ${full}=... to change it`);
  if (Array.isArray(container) && op !== 'force' && !exists) {
    fail(`${full}: list index out of range (the list has ${container.length} items)`);
  }
  if ((op === 'set' || op === 'delete') && !exists) {
    const hint = op === 'set' ? `; write +${override.text} to add a new key` : '';
    fail(`no key ${full} in the config${suggestion(container, last, path.slice(0, -1))}${hint}`);
  }
  dropOrigins(layer.origins, full);
  if (Array.isArray(container)) {
    const index = Number(last);
    if (!Number.isInteger(index) || index < 0 || index > container.length - (op === 'force' ? 0 : 1)) {
      fail(`${full}: list index out of range (the list has ${container.length} items)`);
    }
    if (op === 'delete') {
      container.splice(index, 1);
      shiftListOrigins(layer.origins, pathKey(path.slice(0, -1)), index);
    } else {
      container[index] = override.value;
    }
  } else if (op === 'delete') {
    delete (container as ConfigMap)[last];
  } else {
    (container as ConfigMap)[last] = override.value;
  }
  if (op === 'delete') return;
  for (const [sub] of walkTree(override.value)) layer.origins.set(pathKey([...path, ...sub]), origin);
}

function child(container: unknown, step: string): unknown {
  if (Array.isArray(container)) return /^\d+$/.test(step) ? container[Number(step)] : undefined;
  if (isMap(container) && Object.hasOwn(container, step)) return container[step];
  return undefined;
}

/** ` (did you mean 'a.b.key'?)` over the keys beside the missing one. */
function suggestion(container: unknown, step: string, parent: readonly string[]): string {
  const near = isMap(container) ? closest(step, Object.keys(container)) : undefined;
  return near === undefined ? '' : ` (did you mean '${[...parent, near].join('.')}'?)`;
}

function typeName(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'list' : typeof value;
}
