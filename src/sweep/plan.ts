/**
 * A sweep plan: the spec loaded, expanded and every trial's config validated
 * against the registry before anything runs, so a typo fails in a second
 * rather than after the first trials.
 */
import { loadConfig } from '../config/config.js';
import { ConfigError, fileOrigin } from '../config/errors.js';
import { nearestOrigin } from '../config/origin.js';
import { diffConfigs, type ConfigDifference } from '../config/diff.js';
import { deepClone, isMap, type ConfigMap } from '../config/tree.js';
import { registryFor } from '../registry/load_validated.js';
import { Validator } from '../registry/validate.js';
import { expandSpecInTurns, planningTurns } from './expand.js';
import { unknownMetric } from './metric_names.js';
import { loadSpec, type LoadedSpec } from './spec.js';
import { trialLabel, type Trial } from './trial.js';
import { isLogScale } from './values.js';

export interface SweepPlan {
  loaded: LoadedSpec;
  trials: Trial[];
  /** The stages in run order ('' alone without stages). */
  stages: string[];
  base: ConfigMap;
  /** Swept keys whose values were written on a log scale. */
  logKeys: string[];
}

export interface PlanOptions {
  /** Stops planning (a UserError with exit code 130) when aborted. */
  signal?: AbortSignal;
  /** `refuse`: a base config's plugins are code a look-only command does not run (see registryFor). */
  configPlugins?: 'load' | 'refuse';
}

export async function planSweep(specFile: string, o: PlanOptions = {}): Promise<SweepPlan> {
  const loaded = loadSpec(specFile);
  const trials = await expandSpecInTurns(loaded, o.signal);
  const base = loadConfig(loaded.spec.base);
  const validator = new Validator(await registryFor(base, [], { configPlugins: o.configPlugins, command: 'sweep run --dry-run' }));
  const turn = planningTurns(o.signal);
  for (const trial of trials) {
    await turn();
    const issues = validator.validateConfig(deepClone(trial.config));
    if (issues.length > 0) {
      throw new ConfigError(issues.map((i) => ({ message: `${loaded.file}: trial ${trial.id} (${trialLabel(trial)}): ${i.path.join('.')}: ${i.message}` })));
    }
  }
  const ranked = trials.filter((t) => t.stage === (Object.keys(loaded.spec.stages).at(-1) ?? t.stage));
  const why = unknownMetric(loaded.spec.metric, ranked.every((t) => isMap(t.config.data) && t.config.data.val !== undefined));
  if (why !== undefined) throw new ConfigError({ origin: nearestOrigin(loaded.origins, ['metric']) ?? fileOrigin(loaded.file, 1), message: why });
  const stageNames = Object.keys(loaded.spec.stages);
  const { grid, zip } = loaded.spec;
  const logKeys = [...Object.entries(grid), ...Object.entries(zip)].filter(([, list]) => isLogScale(list)).map(([k]) => k.replace(/^\+\+?/, ''));
  return { loaded, trials, stages: stageNames.length === 0 ? [''] : stageNames, base: base.config, logKeys };
}

/** What a trial changes relative to the base config (seed included). */
export function trialDifferences(plan: SweepPlan, trial: Trial): ConfigDifference[] {
  return diffConfigs(plan.base, trial.config);
}
