/**
 * The supervisors a detector holds (one-stage or DETR): their modules under
 * `supervisors.<i>` of the training model, their loss terms merged into the
 * detector's own and remembered by owner (for `loss_det` and
 * `loss_aux/<label>/<term>`), and their phases and optimizers collected.
 */
import { ComponentError } from '../config/errors.js';
import type { LossTerms } from '../detection/types.js';
import { Module } from '../nn/module.js';
import type { PhaseSpec } from '../train/phases.js';
import type { DeclaredOptimizer } from '../train/types.js';

/** What every kind of supervisor offers its detector. */
export interface HeldSupervisor {
  /** Names its metrics (`loss_aux/<label>/<term>`, `diag/<label>/…`). */
  readonly label: string;
  readonly module: Module;
  trainingPhases(): PhaseSpec[];
  trainingOptimizers(): DeclaredOptimizer[];
}

export class SupervisorModules<S extends HeldSupervisor> extends Module {
  readonly list: S[];
  private readonly owners = new Map<string, string>();
  /** Each supervisor's label, numbered where two share one. */
  readonly labels: string[];

  /** `attach(i)` builds supervisor `i` of `count`. */
  constructor(count: number, attach: (i: number) => S) {
    super();
    this.list = Array.from({ length: count }, (_, i) => {
      const s = attach(i);
      this.child(String(i), s.module);
      return s;
    });
    this.labels = uniqueLabels(this.list.map((s) => s.label));
  }

  /** Adds supervisor `i`'s terms to `out`; a name some other part already returns is an error. */
  addTerms(out: LossTerms, terms: LossTerms, i: number): void {
    for (const [name, t] of Object.entries(terms)) {
      if (name in out) throw new ComponentError(`supervisor ${i} returns loss term '${name}', which another part of the model already returns`);
      out[name] = t;
      this.owners.set(name, this.labels[i]);
    }
  }

  owner(term: string): string | undefined {
    return this.owners.get(term);
  }

  phases(): PhaseSpec[] {
    return this.list.flatMap((s) => s.trainingPhases());
  }

  optimizers(): DeclaredOptimizer[] {
    return this.list.flatMap((s) => s.trainingOptimizers());
  }
}

/** Labels as given, numbered (`lgd`, `lgd_1`) only where two supervisors share one. */
export function uniqueLabels(labels: readonly string[]): string[] {
  return labels.map((l, i) => {
    const before = labels.slice(0, i).filter((x) => x === l).length;
    return before === 0 ? l : `${l}_${before}`;
  });
}
