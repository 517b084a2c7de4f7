/**
 * Loading an experiment spec: YAML with origins (so every problem is reported
 * as file:line), validated against SPEC_SCHEMA with the registry's ajv setup,
 * then checked for what a schema cannot say (zip lengths, stage references).
 */
import { basename, dirname, extname, resolve } from 'node:path';
import { ConfigError, fileOrigin, type ConfigIssue } from '../config/errors.js';
import { LIMITS, limitOf, overLimit } from '../config/limits.js';
import { nearestOrigin, type Origin, type OriginMap } from '../config/origin.js';
import { parseYamlFile, readYamlText } from '../config/parse_yaml.js';
import { isMap } from '../config/tree.js';
import { compileSchema } from '../registry/ajv.js';
import { SPEC_SCHEMA } from './spec_schema.js';
import { valueCount, type ValueList } from './values.js';

export type OverrideMap = Record<string, unknown>;
export type Distribution = { uniform: [number, number] } | { loguniform: [number, number] } | { randint: [number, number] } | { choice: unknown[] };

export interface SweepSpec {
  name: string;
  description: string;
  /** Absolute path of the base config. */
  base: string;
  set: OverrideMap;
  grid: Record<string, ValueList>;
  zip: Record<string, ValueList>;
  random?: { trials: number; seed: number; params: Record<string, Distribution> };
  variants: Record<string, OverrideMap>;
  baseline: string;
  seeds: number[];
  stages: Record<string, { set: OverrideMap }>;
  metric: string;
  mode: 'max' | 'min';
  parallel: number;
}

export interface LoadedSpec {
  spec: SweepSpec;
  /** Absolute path of the spec file. */
  file: string;
  text: string;
  origins: OriginMap;
}

/** `${stages.NAME.checkpoint}` (or `.run_dir`) inside an override value. */
export const STAGE_REF = /\$\{stages\.([\w-]+)\.(checkpoint|run_dir)\}/g;

export function loadSpec(path: string): LoadedSpec {
  const file = resolve(path);
  let text: string;
  try {
    text = readYamlText(file);
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found' : (err as Error).message;
    throw new ConfigError({ message: `experiment spec ${path}: ${why}` });
  }
  const parsed = parseYamlFile(text, file);
  const origins = parsed.origins;
  const raw = parsed.value ?? {};
  if (!isMap(raw)) throw new ConfigError({ origin: fileOrigin(file, 1), message: 'an experiment spec holds a map of keys at its top level' });
  const validate = compileSchema(SPEC_SCHEMA);
  if (!validate(raw)) {
    // A value matching no branch of an anyOf is reported once, by the anyOf's description, not once per branch.
    const issues: ConfigIssue[] = (validate.errors ?? []).filter((e) => !e.schemaPath.includes('/anyOf/')).map((e) => {
      const at = e.instancePath.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
      const described = (e.parentSchema as { description?: string } | undefined)?.description;
      if (e.keyword === 'anyOf' && described !== undefined) e.message = `expected ${described}`;
      const extra = e.keyword === 'additionalProperties' ? ` '${String(e.params.additionalProperty)}'` : '';
      const where = at.length === 0 ? 'the spec' : at.join('.');
      return { origin: nearestOrigin(origins, at) ?? fileOrigin(file, 1), message: `${where}: ${e.message ?? 'invalid'}${extra}` };
    });
    throw new ConfigError(issues);
  }
  const spec = raw as unknown as SweepSpec;
  if (spec.name === '') spec.name = basename(file, extname(file));
  spec.base = resolve(dirname(file), spec.base);
  checkSpec(spec, origins, file);
  return { spec, file, text, origins };
}

/** Sizes of the lists of `section`, by key; a list that gives no values is an issue at its line. */
function listSizes(lists: Record<string, ValueList>, section: string, at: (...path: string[]) => Origin, issues: ConfigIssue[]): [string, number][] {
  const sizes: [string, number][] = [];
  for (const [key, list] of Object.entries(lists)) {
    try {
      sizes.push([key, valueCount(list)]);
    } catch (err) {
      if (!(err instanceof RangeError)) throw err;
      issues.push({ origin: at(section, key), message: `${section}.${key}: ${err.message}` });
    }
  }
  return sizes;
}

/**
 * The number of trials the spec expands to, counted from the sizes alone;
 * over the trial limit it is an issue at the largest factor's line.
 */
function checkTrialCount(spec: SweepSpec, grid: [string, number][], zip: number, at: (...path: string[]) => Origin, issues: ConfigIssue[]): void {
  const factors: [Origin, number][] = [
    ...grid.map(([key, n]): [Origin, number] => [at('grid', key), n]),
    [at('zip'), zip],
    [at('random', 'trials'), spec.random?.trials ?? 1],
    [at('variants'), Math.max(1, Object.keys(spec.variants).length)],
    [at('seeds'), spec.seeds.length],
  ];
  const stages = Math.max(0, Object.keys(spec.stages).length - 1);
  const total = factors.reduce((p, [, n]) => p * n, 1) + stages * spec.seeds.length;
  if (total <= limitOf(LIMITS.trials)) return;
  const [origin] = factors.reduce((a, b) => (b[1] > a[1] ? b : a));
  issues.push({ origin, message: `the spec expands to ${overLimit(LIMITS.trials, total)}` });
}

function checkSpec(spec: SweepSpec, origins: OriginMap, file: string): void {
  const issues: ConfigIssue[] = [];
  const at = (...path: string[]) => nearestOrigin(origins, path) ?? fileOrigin(file, 1);
  const grid = listSizes(spec.grid, 'grid', at, issues);
  const zipLengths = listSizes(spec.zip, 'zip', at, issues);
  if (new Set(zipLengths.map(([, n]) => n)).size > 1) {
    issues.push({ origin: at('zip'), message: `zip: the lists must have one length (${zipLengths.map(([k, n]) => `${k}: ${n}`).join(', ')})` });
  }
  if (issues.length > 0) throw new ConfigError(issues);
  checkTrialCount(spec, grid, zipLengths[0]?.[1] ?? 1, at, issues);
  for (const key of Object.keys(spec.grid)) {
    if (Object.hasOwn(spec.zip, key)) issues.push({ origin: at('zip', key), message: `${key} is both in grid: and in zip:` });
  }
  if (spec.baseline !== '' && !Object.hasOwn(spec.variants, spec.baseline)) {
    issues.push({ origin: at('baseline'), message: `baseline: no variant named '${spec.baseline}' (variants: ${Object.keys(spec.variants).join(', ') || 'none'})` });
  }
  const stageNames = Object.keys(spec.stages);
  const checkRefs = (map: OverrideMap, path: string[], before: string[]): void => {
    for (const [key, value] of Object.entries(map)) {
      for (const m of JSON.stringify(value).matchAll(STAGE_REF)) {
        if (!before.includes(m[1])) {
          const known = before.length === 0 ? 'no earlier stage' : `earlier stages: ${before.join(', ')}`;
          issues.push({ origin: at(...path, key), message: `${m[0]}: not an earlier stage (${known})` });
        }
      }
    }
  };
  stageNames.forEach((name, i) => checkRefs(spec.stages[name].set, ['stages', name, 'set'], stageNames.slice(0, i)));
  checkRefs(spec.set, ['set'], []);
  for (const [name, overrides] of Object.entries(spec.variants)) checkRefs(overrides, ['variants', name], stageNames.slice(0, -1));
  if (issues.length > 0) throw new ConfigError(issues);
}
