/**
 * Training phases as data: what a config or a supervisor declares and the
 * runner applies, with no per-method branch in the loop.
 *
 * Every phase covers the 0-based iterations `[start, stop)`: `start` defaults
 * to 0 and `stop` to the end of the run; points are iterations or fractions
 * (see iter_point.ts). "Drop the backbone's gradients for the first K
 * iterations" is `{ kind: 'drop_grads', params: ['backbone'], stop: K }`.
 *
 * - `loss_weight`: multiplies the matching loss terms while active (several
 *   active phases multiply). A term whose weight is 0 is left out of the total
 *   and of the logs for that iteration.
 * - `drop_grads`: the matching parameters are left out of the gradient
 *   computation, so the optimizer gives them no update, no weight decay and
 *   no momentum/moment change.
 * - `flag`: a named on/off switch that a supervisor reads with `phaseActive`
 *   (e.g. LGD detaches the student features while its distillation is off).
 */
import { ComponentError } from '../config/errors.js';
import type { IterationInfo } from '../detection/types.js';
import type { GradientDropRule } from '../nn/grad.js';
import { resolvePoint, type IterPoint } from './iter_point.js';
import { matchesPrefix } from './param_groups.js';

interface RangeSpec {
  /** For logs and messages; defaults to a description of the phase. */
  name?: string;
  start?: IterPoint;
  stop?: IterPoint;
}

export type PhaseSpec =
  | (RangeSpec & { kind: 'loss_weight'; terms: string[]; weight: number })
  | (RangeSpec & { kind: 'drop_grads'; params: string[] })
  | (RangeSpec & { kind: 'flag'; name: string });

/** Implemented by a detector (or supervisor) that declares phases of its own. */
export interface PhaseProvider {
  trainingPhases(): PhaseSpec[];
}

export function hasPhases(x: unknown): x is PhaseProvider {
  return typeof x === 'object' && x !== null && typeof (x as PhaseProvider).trainingPhases === 'function';
}

/** Whether `spec` covers `info.iter` (for supervisors reading their own flags). */
export function phaseActive(spec: RangeSpec, info: IterationInfo): boolean {
  const [start, stop] = resolveRange(spec, info.maxIters, 'phase');
  return info.iter >= start && info.iter < stop;
}

function resolveRange(spec: RangeSpec, maxIters: number, where: string): [number, number] {
  const start = spec.start === undefined ? 0 : resolvePoint(spec.start, maxIters, `${where}.start`);
  const stop = spec.stop === undefined ? maxIters : resolvePoint(spec.stop, maxIters, `${where}.stop`);
  if (stop < start) throw new ComponentError(`stop (${stop}) is before start (${start})`, where);
  return [start, stop];
}

/** `loss_*` matches by prefix; anything else matches exactly. */
function matchesTerm(term: string, pattern: string): boolean {
  return pattern.endsWith('*') ? term.startsWith(pattern.slice(0, -1)) : term === pattern;
}

interface Resolved {
  spec: PhaseSpec;
  label: string;
  where: string;
  start: number;
  stop: number;
  /** For drop_grads: nn's rule and the parameter names it covers. */
  drop?: { rule: GradientDropRule; params: string[] };
}

export class PhasePlan {
  private readonly phases: Resolved[];

  /**
   * @param phases each spec with the place it came from (`train.phases[0]`, `model.supervisors[0]`)
   * @param paramNames every trainable parameter name, to resolve and check `drop_grads`
   */
  constructor(phases: { spec: PhaseSpec; where: string }[], readonly maxIters: number, paramNames: readonly string[]) {
    this.phases = phases.map(({ spec, where }) => {
      const [start, stop] = resolveRange(spec, maxIters, where);
      const r: Resolved = { spec, where, start, stop, label: spec.name ?? describe(spec) };
      if (spec.kind === 'loss_weight') {
        if (!Number.isFinite(spec.weight) || spec.weight < 0) throw new ComponentError(`${spec.weight} must be a finite number >= 0`, `${where}.weight`);
        if (spec.terms.length === 0) throw new ComponentError('list at least one loss term', `${where}.terms`);
      }
      if (spec.kind === 'drop_grads') {
        if (spec.params.length === 0) throw new ComponentError('list at least one parameter prefix', `${where}.params`);
        r.drop = { rule: { prefixes: spec.params, fromIter: start, untilIter: stop }, params: [] };
        for (const prefix of spec.params) {
          const hit = paramNames.filter((n) => matchesPrefix(n, prefix));
          if (hit.length === 0) throw new ComponentError(`'${prefix}' matches no trainable parameter`, `${where}.params`);
          r.drop.params.push(...hit);
        }
      }
      return r;
    });
  }

  private active(iter: number): Resolved[] {
    return this.phases.filter((p) => iter >= p.start && iter < p.stop);
  }

  /** The product of the active loss-weight phases matching `term` (1 when none). */
  lossWeight(term: string, iter: number): number {
    let w = 1;
    for (const p of this.active(iter)) {
      if (p.spec.kind === 'loss_weight' && p.spec.terms.some((t) => matchesTerm(term, t))) w *= p.spec.weight;
    }
    return w;
  }

  /** Parameters whose gradients are dropped at `iter`. */
  droppedParams(iter: number): Set<string> {
    const out = new Set<string>();
    for (const p of this.active(iter)) for (const n of p.drop?.params ?? []) out.add(n);
    return out;
  }

  /** The drop_grads phases as nn's gradient-drop rules (resolved iterations). */
  gradientDropRules(): GradientDropRule[] {
    return this.phases.flatMap((p) => (p.drop === undefined ? [] : [p.drop.rule]));
  }

  isActive(flag: string, iter: number): boolean {
    return this.active(iter).some((p) => p.spec.kind === 'flag' && p.spec.name === flag);
  }

  /** Fails when a loss-weight pattern matches none of the terms a model returned. */
  checkTerms(terms: readonly string[]): void {
    for (const p of this.phases) {
      if (p.spec.kind !== 'loss_weight') continue;
      for (const t of p.spec.terms) {
        if (!terms.some((term) => matchesTerm(term, t))) {
          throw new ComponentError(`'${t}' matches none of the model's loss terms (${terms.join(', ')})`, `${p.where}.terms`);
        }
      }
    }
  }

  /** Phase switches at `iter` ("on"/"off" lines for the log); empty when nothing changes. */
  changesAt(iter: number): string[] {
    const out: string[] = [];
    for (const p of this.phases) {
      if (p.start === iter && p.stop > p.start) out.push(`phase '${p.label}' on`);
      if (p.stop === iter && p.stop > p.start && iter < this.maxIters) out.push(`phase '${p.label}' off`);
    }
    return out;
  }

  describe(): string[] {
    return this.phases.map((p) => `${p.label}: iterations [${p.start}, ${p.stop}) (${p.where})`);
  }
}

function describe(spec: PhaseSpec): string {
  if (spec.kind === 'loss_weight') return `weight ${spec.weight} on ${spec.terms.join(', ')}`;
  if (spec.kind === 'drop_grads') return `drop gradients of ${spec.params.join(', ')}`;
  return spec.name;
}
