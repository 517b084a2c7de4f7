/**
 * Building components from config maps: the map is validated with its
 * component's schema (defaults applied), then the component's builder runs with
 * a BuildContext through which it builds its nested components.
 */
import { ComponentError, ConfigError } from '../config/errors.js';
import { nearestOrigin, type OriginMap } from '../config/origin.js';
import { deepClone } from '../config/tree.js';
import type { BuildContext, ComponentConfig, ComponentKind } from './component.js';
import type { Registry } from './registry.js';
import { Validator, type ValidationIssue, type ValuePath } from './validate.js';

export interface BuildOptions {
  registry: Registry;
  /** Dotted config path of the map, for messages (`model`, `model.head`). */
  path?: string;
  /** Handed to every builder as `ctx.extras` (the number of classes, the engine, ...). */
  extras?: Record<string, unknown>;
  /** Origins of the config the map came from, so errors name file:line. */
  origins?: OriginMap;
}

/** Turns validation issues into one ConfigError with `file:line` for each. */
export function issuesError(issues: readonly ValidationIssue[], origins: OriginMap | undefined): ConfigError {
  return new ConfigError(issues.map((issue) => ({ origin: origins && nearestOrigin(origins, issue.path), message: issue.message })));
}

/** Validates `config` as a `kind` component (on a copy) and builds it. */
export function build<T = unknown>(kind: ComponentKind, config: unknown, options: BuildOptions): T {
  const validator = new Validator(options.registry);
  const extras = Object.freeze({ ...(options.extras ?? {}) });
  const origins = options.origins;

  const buildAt = <U>(buildKind: ComponentKind, buildConfig: unknown, dotted: string): U => {
    const path: ValuePath = dotted === '' ? [] : dotted.split('.');
    const copy = deepClone(buildConfig);
    const issues = validator.validateComponent(buildKind, copy, path);
    if (issues.length > 0) throw issuesError(issues, origins);
    const { type, ...rest } = copy as ComponentConfig;
    const entry = options.registry.component(buildKind, type)!;
    const ctx: BuildContext = {
      path: dotted,
      extras,
      build: <V>(k: ComponentKind, c: ComponentConfig, p: string): V => buildAt<V>(k, c, p),
    };
    try {
      return entry.value.build(rest, ctx) as U;
    } catch (err) {
      throw placeError(err, origins, dotted);
    }
  };
  return buildAt<T>(kind, config, options.path ?? '');
}

/**
 * A ComponentError as a ConfigError at the file:line of its path (else of
 * `fallback`, the component being built), the original kept as the cause.
 * Anything else is returned as it is: other user errors already say where,
 * and a plain Error is a bug.
 */
export function placeError(err: unknown, origins: OriginMap | undefined, fallback: string): unknown {
  if (!(err instanceof ComponentError)) return err;
  const path = err.path ?? fallback;
  const key = path === '' ? [] : path.replace(/\[(\d+)\]/g, '.$1').split('.');
  const placed = new ConfigError({ origin: origins && nearestOrigin(origins, key), message: path === '' ? err.detail : `${path}: ${err.detail}` });
  placed.cause = err;
  return placed;
}
