/** A trial: one training run of a sweep, identified by a hash of its resolved config and seed. */
import { createHash } from 'node:crypto';
import type { ConfigMap } from '../config/tree.js';

export interface Trial {
  /** 12 hex digits of sha256 over the resolved config and the seed: the same trial always has the same id. */
  id: string;
  /** The stage it belongs to ('' for a sweep without stages). */
  stage: string;
  /** The variant (ablation row), or null without variants. */
  variant: string | null;
  /** Values of the grid, zip and random keys, by key path. */
  params: Record<string, unknown>;
  seed: number;
  /** Override texts applied to the base config (the `--set` syntax). */
  overrides: string[];
  /** Upstream trials by stage name: the stages whose outputs this trial reads. */
  needs: Record<string, string>;
  /** The resolved config; upstream outputs appear as stage markers until the trial runs. */
  config: ConfigMap;
}

/** JSON with sorted keys, so equal configs hash alike whatever their key order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

export function trialId(config: ConfigMap, seed: number): string {
  return createHash('sha256').update(canonicalJson({ config, seed })).digest('hex').slice(0, 12);
}

/** The marker standing for an upstream trial's output inside a config until it exists. */
export function stageMarker(trialIdOfUpstream: string, output: string): string {
  return `@stage:${trialIdOfUpstream}:${output}@`;
}

export const STAGE_MARKER = /@stage:([0-9a-f]{12}):(checkpoint|run_dir)@/g;

/** A short human label: variant and parameter values, e.g. `shared lr=0.01`. */
export function trialLabel(t: Pick<Trial, 'variant' | 'params' | 'stage'>): string {
  const parts = [...(t.variant === null ? [] : [t.variant]), ...Object.entries(t.params).map(([k, v]) => `${k.split('.').at(-1)}=${formatValue(v)}`)];
  return parts.length === 0 ? t.stage || 'base' : parts.join(' ');
}

export function formatValue(v: unknown): string {
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(4)));
  return typeof v === 'string' ? v : JSON.stringify(v);
}
