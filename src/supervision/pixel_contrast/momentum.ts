/**
 * The momentum branch: a frozen twin of online modules, moved towards them by
 * an exponential moving average `θ_m ← β·θ_m + (1 − β)·θ_e` (paper §2.2,
 * fixed β = 0.99). Buffers (BN running statistics) are not averaged: the
 * twin's own forward passes keep them, as MoCo and BYOL do.
 */
import { ComponentError } from '../../config/errors.js';
import { tf, type Variable } from '../../engine/tf.js';
import { Module } from '../../nn/module.js';

/**
 * An independent copy of `m` with the same weights, for modules built from
 * their `options` (every registry backbone): `new m.constructor(m.options)`.
 */
export function twinOf<M extends Module>(m: M, what: string): M {
  const options = (m as unknown as { options?: unknown }).options;
  if (options === undefined) throw new Error(`${what}: ${m.constructor.name} has no 'options' to build a momentum copy from`);
  const Ctor = m.constructor as new (o: unknown) => M;
  const twin = new Ctor(options);
  twin.loadStateDict(m.stateDict());
  twin.train(m.training);
  return twin;
}

export class MomentumPair {
  private readonly pairs: [Variable, Variable][];

  constructor(readonly online: Module, readonly momentum: Module, readonly beta: number) {
    if (!(beta >= 0 && beta <= 1)) throw new ComponentError(`momentum β must lie in [0, 1], got ${beta}`);
    const onlineParams = new Map(online.namedParameters());
    this.pairs = momentum.namedParameters().map(([name, v]) => {
      const o = onlineParams.get(name);
      if (o === undefined || o.shape.join() !== v.shape.join()) throw new Error(`momentum copy: parameter '${name}' has no online counterpart of shape [${v.shape.join(', ')}]`);
      return [v, o];
    });
    momentum.setTrainable(false);
  }

  /** One EMA step; no gradient flows through it. */
  update(): void {
    tf.tidy(() => {
      for (const [m, o] of this.pairs) m.assign(tf.add(tf.mul(m, this.beta), tf.mul(o, 1 - this.beta)));
    });
  }
}
