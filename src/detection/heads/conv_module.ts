/**
 * Building blocks of the dense heads, named as mmcv's so state dicts line up
 * with mmdet checkpoints: `ConvModule` (`conv`, then `gn`/`bn`, then ReLU)
 * and the learnable per-level `Scale` of FCOS/ATSS.
 */
import { tf, type Tensor4D, type Variable } from '../../engine/tf.js';
import { Conv2d } from '../../nn/conv2d.js';
import { fill, normal } from '../../nn/init.js';
import { Module } from '../../nn/module.js';
import { ModuleList } from '../../nn/module_list.js';
import { buildNorm, type NormConfig, type NormLayer } from '../../nn/norm.js';

export class ConvModule extends Module {
  readonly conv: Conv2d;
  readonly norm?: NormLayer;

  constructor(inChannels: number, outChannels: number, norm: NormConfig | undefined, bias: boolean) {
    super();
    this.conv = this.child('conv', new Conv2d(inChannels, outChannels, { kernelSize: 3, padding: 1, bias }));
    if (norm !== undefined) this.norm = this.child(norm.type === 'GN' ? 'gn' : 'bn', buildNorm(norm, outChannels));
  }

  forward(x: Tensor4D): Tensor4D {
    const y = this.conv.forward(x);
    return tf.relu(this.norm === undefined ? y : this.norm.forward(y));
  }
}

export interface TowerOptions {
  inChannels: number;
  featChannels: number;
  stackedConvs: number;
  /** Normalisation after each conv; none for RetinaNet, GN(32) for FCOS/ATSS. */
  norm?: NormConfig;
  /** Conv bias; mmdet's 'auto' is "only without norm". */
  convBias: boolean;
}

/** `stacked_convs` ConvModules, weights N(0, 0.01) and zero biases as the heads' init_cfg. */
export function buildTower(opts: TowerOptions): ModuleList<ConvModule> {
  const tower = new ModuleList<ConvModule>();
  for (let i = 0; i < opts.stackedConvs; i++) {
    const m = tower.push(new ConvModule(i === 0 ? opts.inChannels : opts.featChannels, opts.featChannels, opts.norm, opts.convBias));
    initConv(m.conv, 0);
  }
  return tower;
}

export function runTower(tower: ModuleList<ConvModule>, x: Tensor4D): Tensor4D {
  let y = x;
  for (const m of tower) y = m.forward(y);
  return y;
}

/** A 3×3 prediction conv initialised N(0, 0.01) with a constant bias. */
export function predictionConv(inChannels: number, outChannels: number, bias = 0): Conv2d {
  const conv = new Conv2d(inChannels, outChannels, { kernelSize: 3, padding: 1, bias: true });
  initConv(conv, bias);
  return conv;
}

function initConv(conv: Conv2d, bias: number): void {
  fill(conv.weight, normal(conv.weight.shape, 0.01));
  if (conv.bias !== undefined) fill(conv.bias, tf.fill(conv.bias.shape, bias));
}

/** A learnable scalar multiplier (`scale`, init 1), one per FPN level in FCOS/ATSS. */
export class Scale extends Module {
  readonly scale: Variable;

  constructor(init = 1) {
    super();
    this.scale = this.param('scale', tf.scalar(init));
  }

  forward(x: Tensor4D): Tensor4D {
    return tf.mul(x, this.scale);
  }
}
