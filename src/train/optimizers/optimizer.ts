/**
 * The optimizer contract and the bookkeeping every optimizer shares: its
 * parameter groups (per-group LR and weight-decay multipliers) and its slot
 * variables (momentum, Adam moments), created on a parameter's first gradient.
 *
 * `apply` touches only parameters that have a gradient in the map: a dropped
 * parameter gets no update, no weight decay and no slot change (the
 * "freeze by dropping gradients" of the LGD and LabelEnc code).
 */
import { ComponentError } from '../../config/errors.js';
import { tf, type Tensor, type Variable } from '../../engine/tf.js';

export interface ParamGroup {
  /** For messages and logs, e.g. `default`, `bias`, `norm`, `custom[0]`. */
  name: string;
  params: [string, Variable][];
  lrMult: number;
  decayMult: number;
}

export interface Optimizer {
  /** The registry type name, recorded in checkpoints. */
  readonly type: string;
  readonly baseLr: number;
  readonly groups: readonly ParamGroup[];
  /** One update at learning rate `lr` (before group multipliers); `grads` is keyed by dotted parameter name. */
  apply(grads: ReadonlyMap<string, Tensor>, lr: number): void;
  /** Slot variables by `<param>#<slot>` name, for checkpoints and tests. */
  slots(): Map<string, Variable>;
  /** The non-tensor state (e.g. Adam step counts). */
  jsonState(): Record<string, unknown>;
  /** Restores slots and JSON state saved by `slots()`/`jsonState()` of the same optimizer type. */
  loadState(slots: ReadonlyMap<string, Tensor>, json: Record<string, unknown>): void;
  dispose(): void;
}

/** `<param>#<slot>`, the key of a slot variable (and its name in checkpoints). */
const slotKey = (param: string, slot: string): string => `${param}#${slot}`;

export abstract class OptimizerBase implements Optimizer {
  abstract readonly type: string;
  protected readonly slotVars = new Map<string, Variable>();
  private readonly groupOf = new Map<string, ParamGroup>();

  constructor(
    readonly baseLr: number,
    readonly groups: readonly ParamGroup[],
  ) {
    if (!(baseLr >= 0)) throw new ComponentError(`optimizer lr must be >= 0, got ${baseLr}`);
    for (const g of groups) {
      for (const [name] of g.params) {
        if (this.groupOf.has(name)) throw new Error(`parameter '${name}' is in two groups of one optimizer`);
        this.groupOf.set(name, g);
      }
    }
  }

  apply(grads: ReadonlyMap<string, Tensor>, lr: number): void {
    for (const g of this.groups) {
      for (const [name, p] of g.params) {
        const grad = grads.get(name);
        if (grad === undefined) continue;
        tf.tidy(() => this.update(name, p, grad, lr * g.lrMult, g.decayMult));
      }
    }
  }

  /** The update of one parameter, run inside a tidy. */
  protected abstract update(name: string, p: Variable, grad: Tensor, lr: number, decayMult: number): void;

  /** The slot `slot` of `param` if it has been created. */
  protected existingSlot(param: string, slot: string): Variable | undefined {
    return this.slotVars.get(slotKey(param, slot));
  }

  /** The slot `slot` of `param`, created from `init()` (kept) on first use. */
  protected slot(param: string, slot: string, init: () => Tensor): { v: Variable; fresh: boolean } {
    const existing = this.existingSlot(param, slot);
    if (existing !== undefined) return { v: existing, fresh: false };
    const v = tf.variable(init(), false);
    this.slotVars.set(slotKey(param, slot), v);
    return { v, fresh: true };
  }

  slots(): Map<string, Variable> {
    return new Map(this.slotVars);
  }

  jsonState(): Record<string, unknown> {
    return {};
  }

  loadState(slots: ReadonlyMap<string, Tensor>, _json: Record<string, unknown>): void {
    for (const [key, t] of slots) {
      const param = key.slice(0, key.lastIndexOf('#'));
      const g = this.groupOf.get(param);
      const p = g?.params.find(([n]) => n === param)?.[1];
      if (p === undefined) throw new Error(`optimizer state has slot '${key}' for a parameter this ${this.type} optimizer does not own`);
      if (t.shape.join(',') !== p.shape.join(',')) {
        throw new Error(`optimizer slot '${key}': checkpoint shape [${t.shape.join(', ')}] vs parameter [${p.shape.join(', ')}]`);
      }
    }
    for (const v of this.slotVars.values()) v.dispose();
    this.slotVars.clear();
    for (const [key, t] of slots) this.slotVars.set(key, tf.variable(t.clone(), false));
  }

  dispose(): void {
    for (const v of this.slotVars.values()) v.dispose();
    this.slotVars.clear();
  }
}
