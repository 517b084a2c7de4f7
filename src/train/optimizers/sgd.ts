/**
 * SGD with momentum and L2 weight decay, PyTorch semantics (what MMDetection
 * and Detectron2 train with): `g += wd * p; buf = m * buf + g` (buf = g on a
 * parameter's first step, no dampening); `p -= lr * (nesterov ? g + m * buf : buf)`.
 */
import { ComponentError } from '../../config/errors.js';
import { tf, type Tensor, type Variable } from '../../engine/tf.js';
import { fusedSgdStep } from '../../engine/sgd_update.js';
import { OptimizerBase, type ParamGroup } from './optimizer.js';

export interface SgdOptions {
  lr: number;
  momentum: number;
  weightDecay: number;
  nesterov: boolean;
}

export class Sgd extends OptimizerBase {
  readonly type = 'SGD';

  constructor(
    groups: ParamGroup[],
    readonly options: SgdOptions,
  ) {
    super(options.lr, groups);
    if (!(options.momentum >= 0 && options.momentum < 1)) throw new ComponentError(`SGD momentum must be in [0, 1), got ${options.momentum}`);
    if (!(options.weightDecay >= 0)) throw new ComponentError(`SGD weight_decay must be >= 0, got ${options.weightDecay}`);
    if (options.nesterov && options.momentum === 0) throw new ComponentError('SGD nesterov needs momentum > 0');
  }

  protected update(name: string, p: Variable, grad: Tensor, lr: number, decayMult: number): void {
    const wd = this.options.weightDecay * decayMult;
    const m = this.options.momentum;
    const existing = m > 0 ? this.existingSlot(name, 'momentum') : undefined;
    const fused = existing && fusedSgdStep(p, existing, grad, { lr, momentum: m, weightDecay: wd, nesterov: this.options.nesterov });
    if (fused) {
      existing.assign(fused[1]);
      p.assign(fused[0]);
      return;
    }
    let g = wd > 0 ? tf.add(grad, tf.mul(p, wd)) : grad;
    if (m > 0) {
      const { v: buf, fresh } = this.slot(name, 'momentum', () => tf.clone(g));
      if (!fresh) buf.assign(tf.add(tf.mul(buf, m), g));
      g = this.options.nesterov ? tf.add(g, tf.mul(buf, m)) : buf;
    }
    p.assign(tf.sub(p, tf.mul(g, lr)));
  }
}
