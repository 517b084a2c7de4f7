/**
 * How a sweep names and tags each trial's MLflow run. The trial's training
 * process opens its own run, so the sweep hands it the name, tags and params
 * through the environment (`DETLAB_TRIAL`, JSON); a plain `detlab train` has
 * none and is named after its run directory.
 *
 *   name    `<variant> · seed <s>`, or the swept values where there are no variants
 *           (`shared loss_weight=0.5 · seed 1`), with `[stage] ` in front in a staged sweep
 *   tags    detlab.sweep, detlab.variant, detlab.seed, detlab.stage, detlab.trial_id
 *   params  swept.<key> for each swept key (the same value is also in the flattened config)
 */

export const TRIAL_ENV = 'DETLAB_TRIAL';

export interface TrialIdentity {
  name: string;
  tags: Record<string, string>;
  params: Record<string, string>;
}

export interface TrialFacts {
  id: string;
  sweep: string;
  stage: string;
  variant: string | null;
  seed: number;
  /** Swept values by key path as the spec writes it (`+` / `++` prefixes allowed). */
  params: Record<string, unknown>;
  /** The trial's short label (variant and swept values). */
  label: string;
}

function text(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

export function trialIdentity(t: TrialFacts): TrialIdentity {
  const tags: Record<string, string> = { 'detlab.sweep': t.sweep, 'detlab.seed': String(t.seed), 'detlab.trial_id': t.id };
  if (t.variant !== null) tags['detlab.variant'] = t.variant;
  if (t.stage !== '') tags['detlab.stage'] = t.stage;
  const params = Object.fromEntries(Object.entries(t.params).map(([k, v]) => [`swept.${k.replace(/^\+\+?/, '')}`, text(v)]));
  const stage = t.stage === '' || t.label === t.stage ? '' : `[${t.stage}] `;
  return { name: `${stage}${t.label} · seed ${t.seed}`, tags, params };
}

/** The identity a sweep passed to this process, if any. */
export function identityFromEnv(env: NodeJS.ProcessEnv = process.env): TrialIdentity | undefined {
  const raw = env[TRIAL_ENV];
  return raw === undefined || raw === '' ? undefined : (JSON.parse(raw) as TrialIdentity);
}
