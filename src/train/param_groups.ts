/**
 * Splitting a model's trainable parameters between optimizers (disjoint,
 * every parameter owned exactly once) and, inside one optimizer, into groups
 * with their own LR and weight-decay multipliers (bias LR x2 and no bias
 * decay in maskrcnn-benchmark; no decay on norms in many recipes).
 */
import { ComponentError } from '../config/errors.js';
import type { Variable } from '../engine/tf.js';
import { underPrefix } from '../nn/grad.js';
import type { Module } from '../nn/module.js';
import type { ParamGroup } from './optimizers/optimizer.js';

/** `backbone` selects `backbone` and `backbone.x.y`, never `backbone2.x` (nn's gradient-drop rule). */
export const matchesPrefix = underPrefix;

export interface ParamSelector {
  /** The optimizer's name in the config (for messages). */
  name: string;
  /** Dotted module/parameter prefixes; undefined means "every parameter no other optimizer takes". */
  prefixes?: string[];
}

/**
 * Assigns every trainable parameter to exactly one selector. At most one
 * selector may be the catch-all; a prefix that selects nothing, or a parameter
 * claimed twice, is an error naming both.
 */
export function assignParams(params: [string, Variable][], selectors: ParamSelector[]): Map<string, [string, Variable][]> {
  const catchAll = selectors.filter((s) => s.prefixes === undefined);
  if (catchAll.length > 1) {
    throw new ComponentError(`optimizers ${catchAll.map((s) => `'${s.name}'`).join(' and ')} both take "the remaining parameters": give all but one of them 'params'`);
  }
  const owner = new Map<string, string>();
  const out = new Map<string, [string, Variable][]>(selectors.map((s) => [s.name, []]));
  for (const s of selectors) {
    if (s.prefixes === undefined) continue;
    for (const prefix of s.prefixes) {
      const hit = params.filter(([n]) => matchesPrefix(n, prefix));
      if (hit.length === 0) throw new ComponentError(`optimizer '${s.name}': params prefix '${prefix}' matches no trainable parameter`);
      for (const [n, v] of hit) {
        const prev = owner.get(n);
        if (prev !== undefined && prev !== s.name) throw new ComponentError(`parameter '${n}' is claimed by optimizers '${prev}' and '${s.name}': parameter groups must be disjoint`);
        if (prev === undefined) out.get(s.name)!.push([n, v]);
        owner.set(n, s.name);
      }
    }
  }
  const rest = params.filter(([n]) => !owner.has(n));
  if (catchAll.length === 1) out.get(catchAll[0].name)!.push(...rest);
  else if (rest.length > 0) {
    throw new ComponentError(`${rest.length} trainable parameters belong to no optimizer (e.g. '${rest[0][0]}'): add an optimizer without 'params' or freeze them`);
  }
  return out;
}

export interface ParamwiseOptions {
  /** LR multiplier of biases outside norm layers. */
  biasLrMult: number;
  biasDecayMult: number;
  /** Weight-decay multiplier of norm-layer weights and biases. */
  normDecayMult: number;
  /** Overrides by prefix; the first matching entry wins over the bias/norm rules. */
  custom: { prefix: string; lrMult: number; decayMult: number }[];
}

export const DEFAULT_PARAMWISE: ParamwiseOptions = { biasLrMult: 1, biasDecayMult: 1, normDecayMult: 1, custom: [] };

/** Names of parameters owned by normalisation modules (class name containing `Norm`). */
export function normParameterNames(model: Module): Set<string> {
  const out = new Set<string>();
  for (const [path, m] of model.namedModules()) {
    if (!/Norm/.test(m.constructor.name)) continue;
    for (const [n] of m.namedParameters(path)) out.add(n);
  }
  return out;
}

/** Groups `params` by their (lrMult, decayMult) under the paramwise rules. */
export function buildParamGroups(params: [string, Variable][], norms: ReadonlySet<string>, pw: ParamwiseOptions): ParamGroup[] {
  const groups = new Map<string, ParamGroup>();
  pw.custom.forEach((c, i) => {
    if (!params.some(([n]) => matchesPrefix(n, c.prefix))) throw new ComponentError(`paramwise.custom[${i}]: prefix '${c.prefix}' matches no parameter of this optimizer`);
  });
  for (const [name, v] of params) {
    const customIndex = pw.custom.findIndex((c) => matchesPrefix(name, c.prefix));
    let key: string;
    let lrMult = 1;
    let decayMult = 1;
    if (customIndex >= 0) {
      key = `custom[${customIndex}]`;
      ({ lrMult, decayMult } = pw.custom[customIndex]);
    } else if (norms.has(name)) {
      key = 'norm';
      decayMult = pw.normDecayMult;
    } else if (name === 'bias' || name.endsWith('.bias')) {
      key = 'bias';
      lrMult = pw.biasLrMult;
      decayMult = pw.biasDecayMult;
    } else {
      key = 'default';
    }
    let g = groups.get(key);
    if (g === undefined) {
      g = { name: key, params: [], lrMult, decayMult };
      groups.set(key, g);
    }
    g.params.push([name, v]);
  }
  return [...groups.values()];
}
