/**
 * `${a.b.c}` references, resolved against the final config (after bases and
 * overrides), so one change reaches every place that refers to it. A string
 * that is exactly one reference takes the referenced value with its type (a
 * number, a list, a map); a reference inside a longer string is interpolated
 * and must name a scalar. `\${` writes a literal `${`.
 */
import { closest } from './did_you_mean.js';
import { ConfigError } from './errors.js';
import type { Layer } from './merge.js';
import { isUnder, pathKey, type OriginMap } from './origin.js';
import { getPath, isMap, walkTree, type ConfigMap } from './tree.js';

const REFERENCE = /(\\?)\$\{([^}]*)\}/g;
const WHOLE_REFERENCE = /^\$\{([^}]*)\}$/;
const REFERENCE_PATH = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;

export function hasReference(value: unknown): value is string {
  return typeof value === 'string' && value.includes('${');
}

/** Replaces every reference in the layer (in place); origins of copied maps follow them. */
export function resolveReferences(layer: Layer): void {
  new Resolver(layer).run();
}

class Resolver {
  private readonly done = new Set<string>();
  private readonly active: string[] = [];

  constructor(private readonly layer: Layer) {}

  run(): void {
    this.layer.value = this.resolveAt([]) as ConfigMap;
  }

  /** Resolves the node at `path` in place and returns its final value. */
  private resolveAt(path: readonly (string | number)[]): unknown {
    const key = pathKey(path);
    const value = getPath(this.layer.value, path);
    if (this.done.has(key)) return value;
    if (this.active.includes(key)) {
      const cycle = [...this.active.slice(this.active.indexOf(key)), key].join(' -> ');
      throw new ConfigError({ origin: this.layer.origins.get(key), message: `reference cycle: ${cycle}` });
    }
    this.active.push(key);
    let result = value;
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) value[i] = this.resolveAt([...path, i]);
    } else if (isMap(value)) {
      for (const name of Object.keys(value)) value[name] = this.resolveAt([...path, name]);
    } else if (hasReference(value)) {
      result = this.resolveString(value, path);
      this.store(path, result);
      // A copied map holds final values: literal `${` from `\${` must not be read as references again.
      for (const [sub] of walkTree(result)) this.done.add(pathKey([...path, ...sub]));
    }
    this.active.pop();
    this.done.add(key);
    return result;
  }

  private resolveString(text: string, path: readonly (string | number)[]): unknown {
    const whole = WHOLE_REFERENCE.exec(text);
    if (whole !== null) {
      const target = this.target(whole[1], path);
      const value = this.lookup(target, path, text);
      this.copyOrigins(target, path);
      return structuredClone(value);
    }
    return text.replace(REFERENCE, (match: string, escape: string, ref: string) => {
      if (escape === '\\') return match.slice(1);
      const value = this.lookup(this.target(ref, path), path, match);
      if (typeof value === 'object' && value !== null) {
        this.fail(path, `${match} names a ${Array.isArray(value) ? 'list' : 'map'}, which cannot be interpolated into a string; use it as the whole value`);
      }
      return String(value);
    });
  }

  private target(ref: string, at: readonly (string | number)[]): string[] {
    if (!REFERENCE_PATH.test(ref)) this.fail(at, `'\${${ref}}' is not a reference (expected \${a.b.c})`);
    return ref.split('.');
  }

  /** The resolved value at `target`, resolving references met on the way. */
  private lookup(target: readonly string[], from: readonly (string | number)[], text: string): unknown {
    for (let n = 1; n <= target.length; n++) {
      const prefix = target.slice(0, n);
      const node = getPath(this.layer.value, prefix);
      if (node === undefined) {
        const parent = getPath(this.layer.value, target.slice(0, n - 1));
        const siblings = isMap(parent) ? Object.keys(parent) : [];
        const near = closest(target[n - 1], siblings);
        const suggestion = near === undefined ? '' : ` (did you mean '${[...target.slice(0, n - 1), near].join('.')}'?)`;
        this.fail(from, `unknown reference ${text}: no key ${prefix.join('.')}${suggestion}`);
      }
      if (hasReference(node) || n === target.length) this.resolveAt(prefix);
    }
    return getPath(this.layer.value, target);
  }

  private store(path: readonly (string | number)[], value: unknown): void {
    if (path.length === 0) return;
    const parent = getPath(this.layer.value, path.slice(0, -1)) as ConfigMap | unknown[];
    (parent as Record<string | number, unknown>)[path[path.length - 1]] = value;
  }

  /** A copied map or list keeps the origins of its items; the value itself keeps the place of the reference. */
  private copyOrigins(target: readonly string[], path: readonly (string | number)[]): void {
    const from = pathKey(target);
    const to = pathKey(path);
    const origins: OriginMap = this.layer.origins;
    for (const [key, origin] of [...origins]) {
      if (key !== from && isUnder(key, from)) origins.set(to + key.slice(from.length), origin);
    }
  }

  private fail(path: readonly (string | number)[], message: string): never {
    throw new ConfigError({ origin: this.layer.origins.get(pathKey(path)), message });
  }
}
