/**
 * DPE, TSCODE's localisation input (Zhuang et al. 2023, §3.3, Eq. 5):
 *
 *   G_l = P_l + μ(P_{l+1}) + DConv'(μ(P_l) + P_{l−1})
 *
 * μ is 2× upsampling (to the finer level's exact size, as FPN; nearest by
 * default, the paper does not say), DConv' a second 3×3 stride-2 conv shared
 * by all levels. At the finest level P_{l−1} is the backbone's C2 (P2 is
 * never computed), through a 1×1 lateral when its channels differ.
 *
 * Input subsets (Table 3): "l" adds P_l, and μ(P_l) inside DConv' when "l−1"
 * is present; "l+1" adds μ(P_{l+1}); "l+2" adds μ(μ(P_{l+2})); "l−1" adds the
 * DConv' term. Levels above the top are dropped by default ('drop'), or
 * stood in for by stride-2 max-pooling of the top level ('pool').
 */
import { ComponentError } from '../../config/errors.js';
import { tf, type Tensor4D } from '../../engine/tf.js';
import { Conv2d } from '../../nn/conv2d.js';
import { fill, xavierUniform } from '../../nn/init.js';
import { Module } from '../../nn/module.js';
import { stride2Conv } from './sce.js';

export const DPE_INPUTS = ['l+2', 'l+1', 'l', 'l-1'] as const;
export type DpeInput = (typeof DPE_INPUTS)[number];
export const DPE_TOP_LEVELS = ['drop', 'pool'] as const;
export type DpeTopLevel = (typeof DPE_TOP_LEVELS)[number];
export type Upsample = 'nearest' | 'bilinear';

export interface DpeOptions {
  channels: number;
  /** Channels of C2 (a 1×1 lateral maps them to `channels` when they differ). */
  c2Channels: number;
  inputs: DpeInput[];
  upsample: Upsample;
  topLevel: DpeTopLevel;
}

export class DetailPreservingEncoder extends Module {
  readonly dconv?: Conv2d;
  readonly lateral?: Conv2d;
  private readonly use: Set<DpeInput>;

  constructor(readonly options: DpeOptions) {
    super();
    this.use = new Set(options.inputs);
    if (this.use.size === 0) throw new ComponentError('DPE: inputs must name at least one of l+2, l+1, l, l-1');
    if (this.use.has('l-1')) {
      this.dconv = this.child('dconv', stride2Conv(options.channels, 3));
      if (options.c2Channels !== options.channels) {
        this.lateral = this.child('c2_lateral', new Conv2d(options.c2Channels, options.channels, { kernelSize: 1 }));
        fill(this.lateral.weight, xavierUniform(this.lateral.weight.shape, options.c2Channels, options.channels));
        fill(this.lateral.bias!, tf.zeros([options.channels]));
      }
    }
  }

  /** Whether the finest level needs C2. */
  get needsC2(): boolean {
    return this.use.has('l-1');
  }

  private up(x: Tensor4D, like: Tensor4D): Tensor4D {
    const size: [number, number] = [like.shape[1], like.shape[2]];
    return this.options.upsample === 'nearest' ? tf.image.resizeNearestNeighbor(x, size) : tf.image.resizeBilinear(x, size);
  }

  /** Level `l + k` (k ≥ 1), or its stand-in above the top, or undefined when dropped. */
  private higher(p: Tensor4D[], l: number, k: number): Tensor4D | undefined {
    if (l + k < p.length) return p[l + k];
    if (this.options.topLevel === 'drop') return undefined;
    let x = p[p.length - 1];
    for (let i = p.length - 1; i < l + k; i++) x = tf.maxPool(x, 1, 2, 'valid');
    return x;
  }

  /** G_l for every level of `p` (finest first); `c2` stands in for P_{l−1} at the finest. */
  forward(p: Tensor4D[], c2?: Tensor4D): Tensor4D[] {
    if (this.needsC2 && c2 === undefined) throw new ComponentError("DPE: the input 'l-1' needs the backbone's C2 at the finest level");
    if (c2 !== undefined && this.needsC2 && c2.shape[3] !== this.options.c2Channels) {
      throw new ComponentError(`DPE: C2 has ${c2.shape[3]} channels but c2_channels is ${this.options.c2Channels}`);
    }
    return p.map((pl, l) => {
      const terms: Tensor4D[] = [];
      if (this.use.has('l')) terms.push(pl);
      const next = this.use.has('l+1') ? this.higher(p, l, 1) : undefined;
      if (next !== undefined) terms.push(this.up(next, pl));
      const next2 = this.use.has('l+2') ? this.higher(p, l, 2) : undefined;
      if (next2 !== undefined) terms.push(this.up(this.up(next2, this.higher(p, l, 1) ?? pl), pl));
      if (this.dconv !== undefined) {
        const prev = l === 0 ? (this.lateral?.forward(c2!) ?? c2!) : p[l - 1];
        const inner = this.use.has('l') ? tf.add<Tensor4D>(this.up(pl, prev), prev) : prev;
        const d = this.dconv.forward(inner);
        if (d.shape[1] !== pl.shape[1] || d.shape[2] !== pl.shape[2]) {
          throw new Error(`DPE: level ${l - 1} (${prev.shape[1]}x${prev.shape[2]}) downsamples to ${d.shape[1]}x${d.shape[2]}, not level ${l}'s ${pl.shape[1]}x${pl.shape[2]}`);
        }
        terms.push(d);
      }
      if (terms.length === 0) throw new Error(`DPE: no input term exists at level ${l}`);
      return terms.length === 1 ? terms[0] : tf.addN(terms);
    });
  }
}
