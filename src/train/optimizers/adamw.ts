/**
 * AdamW (Loshchilov & Hutter), PyTorch semantics: decoupled decay
 * `p *= 1 - lr * wd`, then the bias-corrected Adam step
 * `p -= lr * m̂ / (sqrt(v̂) + eps)`. The step count is kept per parameter, so a
 * parameter whose gradients were dropped starts its bias correction when it
 * first trains.
 */
import { ComponentError } from '../../config/errors.js';
import { tf, type Tensor, type Variable } from '../../engine/tf.js';
import { OptimizerBase, type ParamGroup } from './optimizer.js';

export interface AdamWOptions {
  lr: number;
  betas: [number, number];
  eps: number;
  weightDecay: number;
}

export class AdamW extends OptimizerBase {
  readonly type = 'AdamW';
  private steps = new Map<string, number>();

  constructor(
    groups: ParamGroup[],
    readonly options: AdamWOptions,
  ) {
    super(options.lr, groups);
    const [b1, b2] = options.betas;
    if (!(b1 >= 0 && b1 < 1 && b2 >= 0 && b2 < 1)) throw new ComponentError(`AdamW betas must be in [0, 1), got [${b1}, ${b2}]`);
    if (!(options.eps > 0)) throw new ComponentError(`AdamW eps must be > 0, got ${options.eps}`);
    if (!(options.weightDecay >= 0)) throw new ComponentError(`AdamW weight_decay must be >= 0, got ${options.weightDecay}`);
  }

  protected update(name: string, p: Variable, grad: Tensor, lr: number, decayMult: number): void {
    const [b1, b2] = this.options.betas;
    const t = (this.steps.get(name) ?? 0) + 1;
    this.steps.set(name, t);
    const wd = this.options.weightDecay * decayMult;
    const { v: m } = this.slot(name, 'exp_avg', () => tf.zerosLike(p));
    const { v: v } = this.slot(name, 'exp_avg_sq', () => tf.zerosLike(p));
    m.assign(tf.add(tf.mul(m, b1), tf.mul(grad, 1 - b1)));
    v.assign(tf.add(tf.mul(v, b2), tf.mul(tf.square(grad), 1 - b2)));
    const stepSize = lr / (1 - b1 ** t);
    const denom = tf.add(tf.div(tf.sqrt(v), Math.sqrt(1 - b2 ** t)), this.options.eps);
    const decayed = wd > 0 ? tf.mul(p, 1 - lr * wd) : p;
    p.assign(tf.sub(decayed, tf.mul(tf.div(m, denom), stepSize)));
  }

  override jsonState(): Record<string, unknown> {
    return { steps: Object.fromEntries(this.steps) };
  }

  override loadState(slots: ReadonlyMap<string, Tensor>, json: Record<string, unknown>): void {
    super.loadState(slots, json);
    const steps = json.steps;
    if (typeof steps !== 'object' || steps === null) throw new Error('AdamW state: missing per-parameter step counts');
    this.steps = new Map(Object.entries(steps as Record<string, number>));
  }
}
