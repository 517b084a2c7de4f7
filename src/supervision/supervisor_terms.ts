/** The loss terms of a detector's supervisors, merged into the detector's own and remembered by owner (for `loss_det` and `loss/<owner>/<term>`). */
import { ComponentError } from '../config/errors.js';
import type { LossTerms } from '../detection/types.js';

export class SupervisorTerms {
  private readonly owners = new Map<string, string>();

  /** Adds supervisor `i`'s terms to `out`; a name some other part already returns is an error. */
  add(out: LossTerms, terms: LossTerms, i: number): void {
    for (const [name, t] of Object.entries(terms)) {
      if (name in out) throw new ComponentError(`supervisor ${i} returns loss term '${name}', which another part of the model already returns`);
      out[name] = t;
      this.owners.set(name, `supervisors.${i}`);
    }
  }

  owner(term: string): string | undefined {
    return this.owners.get(term);
  }
}
