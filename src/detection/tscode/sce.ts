/**
 * SCE, TSCODE's classification branch (Zhuang et al. 2023, §3.2, Eq. 3–4):
 * G_l = Concat(DConv(P_l), P_{l+1}) at P_{l+1}'s resolution, a shallow but
 * wide tower (2 convs × 512 in the paper), a predictor with 4·A·C outputs,
 * and depth-to-space back to P_l's resolution (cropped when H_l is odd).
 * DConv is one stride-2 layer shared by all levels: a plain 3×3 conv in the
 * paper (Table 2 also tries 5×5, 7×7, 3×3 average and max pooling).
 *
 * The paper gives DConv no init and no norm. The default is the head convs'
 * N(0, 0.01) without a norm, as TSCODE's hosts (mmdet dense heads) initialise
 * every conv they add. At the study's 32 channels that makes DConv(P_l) about
 * 0.01·√(9·32) ≈ 0.17 of P_l's scale, so the concatenated P_{l+1} dominates
 * G_l at the start; 'c2_xavier' (kaiming_uniform, a = 1: variance kept) or a
 * norm after DConv start both halves at one scale.
 */
import { tf, type Tensor4D } from '../../engine/tf.js';
import { Conv2d } from '../../nn/conv2d.js';
import { ConvModule } from '../../nn/conv_module.js';
import { fill, kaimingUniform, normal } from '../../nn/init.js';
import { Module } from '../../nn/module.js';
import { ModuleList } from '../../nn/module_list.js';
import { buildNorm, type NormConfig, type NormLayer } from '../../nn/norm.js';
import { cropTo, depthToSpace2 } from './depth_to_space.js';

export const SCE_DOWNSAMPLES = ['conv3', 'conv5', 'conv7', 'avg', 'max'] as const;
export type SceDownsample = (typeof SCE_DOWNSAMPLES)[number];

/** What stands in for P_{l+1} at the top level, where the paper is silent. */
export const SCE_TOP_LEVELS = ['pool', 'zeros'] as const;
export type SceTopLevel = (typeof SCE_TOP_LEVELS)[number];

/** DConv's weight init: N(0, 0.01) as the head convs, or kaiming_uniform(a = 1), U(±√(3 / fan_in)). */
export const SCE_DCONV_INITS = ['normal', 'c2_xavier'] as const;
export type SceDconvInit = (typeof SCE_DCONV_INITS)[number];

export interface SceOptions {
  inChannels: number;
  /** Width of the tower (512 in the paper). */
  featChannels: number;
  stackedConvs: number;
  norm?: NormConfig;
  convBias: boolean;
  /** Outputs per child location: A·C. */
  clsOutChannels: number;
  clsBias: number;
  downsample: SceDownsample;
  /** Concatenate P_{l+1} (false: the "without P_{l+1}" row of Table 2). */
  useNextLevel: boolean;
  /** 'pool': P_{L+1} = max-pool(P_L, 1, stride 2), as FPN's extra level without convs; 'zeros': a zero map. */
  topLevel: SceTopLevel;
  /** Init of a conv DConv ('normal' when absent). */
  dconvInit?: SceDconvInit;
  /** A norm after a conv DConv (none when absent); the conv then has no bias. */
  dconvNorm?: NormConfig | null;
}

/** A stride-2 conv, zero bias; weights N(0, 0.01) as the head convs unless `init` says otherwise. */
export function stride2Conv(channels: number, kernel: number, init: SceDconvInit = 'normal', bias = true): Conv2d {
  const conv = new Conv2d(channels, channels, { kernelSize: kernel, stride: 2, padding: (kernel - 1) / 2, bias });
  const fanIn = kernel * kernel * channels;
  fill(conv.weight, init === 'c2_xavier' ? kaimingUniform(conv.weight.shape, { fan: fanIn, a: 1 }) : normal(conv.weight.shape, 0.01));
  if (conv.bias !== undefined) fill(conv.bias, tf.zeros(conv.bias.shape));
  return conv;
}

export class SemanticContextEncoder extends Module {
  private readonly dconv?: Conv2d;
  private readonly dconvNorm?: NormLayer;
  readonly tower: ModuleList<ConvModule>;
  readonly predictor: Conv2d;

  constructor(readonly options: SceOptions) {
    super();
    const kernel = { conv3: 3, conv5: 5, conv7: 7, avg: 0, max: 0 }[options.downsample];
    const dconvNorm = options.dconvNorm ?? null;
    if (kernel > 0) {
      this.dconv = this.child('dconv', stride2Conv(options.inChannels, kernel, options.dconvInit, dconvNorm === null));
      if (dconvNorm !== null) this.dconvNorm = this.child('dconv_norm', buildNorm(dconvNorm, options.inChannels));
    } else if (dconvNorm !== null || (options.dconvInit ?? 'normal') !== 'normal') {
      throw new Error(`SCE: sce_dconv_init and sce_dconv_norm set a conv DConv, but sce_downsample '${options.downsample}' is a pooling`);
    }
    this.tower = this.child('convs', new ModuleList<ConvModule>());
    const towerIn = options.useNextLevel ? 2 * options.inChannels : options.inChannels;
    for (let i = 0; i < options.stackedConvs; i++) {
      const m = this.tower.push(new ConvModule(i === 0 ? towerIn : options.featChannels, options.featChannels, { kernelSize: 3, padding: 1, norm: options.norm ?? null, bias: options.convBias }));
      fill(m.conv.weight, normal(m.conv.weight.shape, 0.01));
      if (m.conv.bias !== undefined) fill(m.conv.bias, tf.zeros(m.conv.bias.shape));
    }
    const predIn = options.stackedConvs > 0 ? options.featChannels : towerIn;
    this.predictor = this.child('sce_cls', new Conv2d(predIn, 4 * options.clsOutChannels, { kernelSize: 3, padding: 1 }));
    fill(this.predictor.weight, normal(this.predictor.weight.shape, 0.01));
    fill(this.predictor.bias!, tf.fill([4 * options.clsOutChannels], options.clsBias));
  }

  /** Shared stride-2 downsampling of one level (Eq. 3's DConv). */
  downsample(x: Tensor4D): Tensor4D {
    if (this.dconv !== undefined) {
      const y = this.dconv.forward(x);
      return this.dconvNorm === undefined ? y : this.dconvNorm.forward(y);
    }
    return this.options.downsample === 'avg' ? tf.avgPool(x, 3, 2, 'same') : tf.maxPool(x, 3, 2, 'same');
  }

  /** Eq. 3: the classification context of level `l` at P_{l+1}'s resolution. */
  context(feats: Tensor4D[], l: number): Tensor4D {
    const down = this.downsample(feats[l]);
    if (!this.options.useNextLevel) return down;
    const next = l + 1 < feats.length ? feats[l + 1] : this.topSubstitute(feats[l], down);
    if (next.shape[1] !== down.shape[1] || next.shape[2] !== down.shape[2]) {
      throw new Error(`SCE: level ${l + 1} is ${next.shape[1]}x${next.shape[2]} but the downsampled level ${l} is ${down.shape[1]}x${down.shape[2]}`);
    }
    return tf.concat([down, next], 3);
  }

  private topSubstitute(top: Tensor4D, down: Tensor4D): Tensor4D {
    return this.options.topLevel === 'pool' ? tf.maxPool(top, 1, 2, 'valid') : tf.zerosLike(down);
  }

  /** Class logits `[B, H_l, W_l, A·C]` of every level (Eq. 4). */
  forward(feats: Tensor4D[]): Tensor4D[] {
    return feats.map((p, l) => {
      let y = this.context(feats, l);
      for (const m of this.tower) y = m.forward(y);
      return cropTo(depthToSpace2(this.predictor.forward(y)), p.shape[1], p.shape[2]);
    });
  }
}
