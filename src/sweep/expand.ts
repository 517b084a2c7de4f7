/**
 * Expansion of a spec into trials: the grid's product, zip rows and random
 * draws make the points; each point is combined with each variant and each
 * seed. With `stages:`, earlier stages run once per seed (a stage trial shared
 * by several later trials has one id, so it is planned once) and the last stage
 * is the varied one.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import { UserError } from '../config/errors.js';
import { loadConfig } from '../config/config.js';
import { ConfigError } from '../config/errors.js';
import { loadConfigFile, type LoadedFiles } from '../config/load.js';
import { nearestOrigin, type OriginMap } from '../config/origin.js';
import { isMap } from '../config/tree.js';
import { Rng } from '../train/rng.js';
import { STAGE_REF, type Distribution, type LoadedSpec, type OverrideMap } from './spec.js';
import { stageMarker, trialId, type Trial } from './trial.js';
import { expandValues } from './values.js';

export type Point = Record<string, unknown>;

export function gridPoints(grid: LoadedSpec['spec']['grid']): Point[] {
  let points: Point[] = [{}];
  for (const [key, list] of Object.entries(grid)) {
    const values = expandValues(list);
    points = points.flatMap((p) => values.map((v) => ({ ...p, [key]: v })));
  }
  return points;
}

export function zipPoints(zip: LoadedSpec['spec']['zip']): Point[] {
  const entries = Object.entries(zip).map(([k, list]) => [k, expandValues(list)] as const);
  if (entries.length === 0) return [{}];
  return entries[0][1].map((_, i) => Object.fromEntries(entries.map(([k, values]) => [k, values[i]])));
}

export function randomPoints(random: LoadedSpec['spec']['random']): Point[] {
  if (random === undefined) return [{}];
  const rng = new Rng(random.seed);
  return Array.from({ length: random.trials }, () => Object.fromEntries(Object.entries(random.params).map(([k, d]) => [k, draw(d, rng)])));
}

function draw(d: Distribution, rng: Rng): unknown {
  if ('uniform' in d) return d.uniform[0] + (d.uniform[1] - d.uniform[0]) * rng.uniform();
  if ('loguniform' in d) {
    const [lo, hi] = d.loguniform.map(Math.log);
    return Math.exp(lo + (hi - lo) * rng.uniform());
  }
  if ('randint' in d) return d.randint[0] + rng.int(d.randint[1] - d.randint[0]);
  return d.choice[rng.int(d.choice.length)];
}

/** Every point of the spec: grid × zip × random. */
export function specPoints(spec: LoadedSpec['spec']): Point[] {
  const combine = (a: Point[], b: Point[]): Point[] => a.flatMap((p) => b.map((q) => ({ ...p, ...q })));
  return combine(combine(gridPoints(spec.grid), zipPoints(spec.zip)), randomPoints(spec.random));
}

interface OverrideSource {
  key: string;
  value: unknown;
  /** Spec path of the value, for errors. */
  at: string[];
}

/** `key=value` in the --set syntax; a `~key` (deletion) takes no value (write `~a.b: null` in a spec). */
function overrideText(key: string, value: unknown): string {
  return key.startsWith('~') ? key : `${key}=${JSON.stringify(value)}`;
}

/** `${stages.X.checkpoint}` (at any depth of the value) replaced by the marker of X's trial for this seed. */
function withMarkers(value: unknown, upstream: Record<string, string>, needs: Record<string, string>): unknown {
  if (Array.isArray(value)) return value.map((v) => withMarkers(v, upstream, needs));
  if (isMap(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withMarkers(v, upstream, needs)]));
  if (typeof value !== 'string') return value;
  return value.replace(STAGE_REF, (_m, stage: string, output: string) => {
    needs[stage] = upstream[stage];
    return stageMarker(upstream[stage], output);
  });
}

/** Trials made between two looks at the event loop, so that Ctrl-C and SIGTERM are heard while a sweep is planned. */
const TRIALS_PER_TURN = 100;

/** Yields to the event loop every TRIALS_PER_TURN calls; throws once `signal` is aborted. */
export function planningTurns(signal: AbortSignal | undefined): () => Promise<void> {
  let calls = 0;
  return async () => {
    if (++calls % TRIALS_PER_TURN !== 0) return;
    await nextTurn();
    if (signal?.aborted) throw new UserError('stopped while planning the sweep; nothing was started', 130);
  };
}

export function expandSpec(loaded: LoadedSpec): Trial[] {
  const trials: Trial[] = [];
  const steps = expansion(loaded, trials);
  while (steps.next().done !== true);
  return trials;
}

/** expandSpec taking turns with the event loop, so that `signal` can stop it. */
export async function expandSpecInTurns(loaded: LoadedSpec, signal?: AbortSignal): Promise<Trial[]> {
  const trials: Trial[] = [];
  const steps = expansion(loaded, trials);
  const turn = planningTurns(signal);
  while (steps.next().done !== true) await turn();
  return trials;
}

/** Appends the spec's trials to `trials`, pausing after each point of the last stage. */
function* expansion(loaded: LoadedSpec, trials: Trial[]): Generator<void> {
  const { spec, origins, file } = loaded;
  const base = loadConfigFile(spec.base);
  const stageNames = Object.keys(spec.stages);
  const lastStage = stageNames.at(-1) ?? '';
  const seen = new Set<string>();
  const make = (stage: string, variant: string | null, params: Point, seed: number, sources: OverrideSource[], upstream: Record<string, string>): Trial => {
    const needs: Record<string, string> = {};
    const texts = sources.map((s) => overrideText(s.key, withMarkers(s.value, upstream, needs)));
    texts.push(overrideText('++seed', seed));
    const config = resolveConfig(spec.base, base, texts, sources, origins, file);
    const trial: Trial = { id: trialId(config, seed), stage, variant, params, seed, overrides: texts, needs, config };
    if (!seen.has(trial.id)) {
      seen.add(trial.id);
      trials.push(trial);
    }
    return trial;
  };
  const from = (map: OverrideMap, at: string[]): OverrideSource[] => Object.entries(map).map(([key, value]) => ({ key, value, at: [...at, key] }));
  const common = from(spec.set, ['set']);
  const variants: [string | null, OverrideMap][] = Object.keys(spec.variants).length === 0 ? [[null, {}]] : Object.entries(spec.variants);
  const points = specPoints(spec);
  for (const seed of spec.seeds) {
    const upstream: Record<string, string> = {};
    for (const stage of stageNames.slice(0, -1)) {
      upstream[stage] = make(stage, null, {}, seed, [...common, ...from(spec.stages[stage].set, ['stages', stage, 'set'])], upstream).id;
    }
    const stageSet = lastStage === '' ? [] : from(spec.stages[lastStage].set, ['stages', lastStage, 'set']);
    for (const [variant, overrides] of variants) {
      for (const point of points) {
        const sources = [...common, ...stageSet, ...from(overrides, ['variants', variant ?? '']), ...Object.entries(point).map(([key, value]) => ({ key, value, at: paramPath(spec, key) }))];
        // Params are named by their config path, without the override's +/++ prefix.
        const params = Object.fromEntries(Object.entries(point).map(([k, v]) => [k.replace(/^\+\+?/, ''), v]));
        make(lastStage, variant, params, seed, sources, upstream);
        yield;
      }
    }
  }
}

/** Where the spec wrote a param (a random one sits under `random.params`). */
function paramPath(spec: LoadedSpec['spec'], key: string): string[] {
  if (Object.hasOwn(spec.grid, key)) return ['grid', key];
  return Object.hasOwn(spec.zip, key) ? ['zip', key] : ['random', 'params', key];
}

/** The base config with the trial's overrides; an override the config rejects is reported at the spec line that wrote it. */
function resolveConfig(base: string, loaded: LoadedFiles, texts: string[], sources: OverrideSource[], origins: OriginMap, file: string): Trial['config'] {
  try {
    return loadConfig(base, { overrides: texts, loaded }).config;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    throw new ConfigError(err.issues.map((issue) => {
      const i = issue.origin?.kind === 'set' ? texts.indexOf(issue.origin.text) : -1;
      const at = i >= 0 && i < sources.length ? nearestOrigin(origins, sources[i].at) : undefined;
      return at === undefined ? issue : { origin: at, message: `${sources[i].key}: ${issue.message}` };
    }).map((issue) => (issue.origin === undefined ? { ...issue, message: `${file}: ${issue.message}` } : issue)));
  }
}
