/**
 * Building blocks of the dense heads, named as mmdet's so state dicts line up
 * with its checkpoints: towers of nn's ConvModule (`cls_convs.0.conv`,
 * `cls_convs.0.gn`), prediction convs, and the learnable per-level `Scale`
 * of FCOS/ATSS.
 */
import { tf, type Tensor4D, type Variable } from '../../engine/tf.js';
import { Conv2d } from '../../nn/conv2d.js';
import { fill, normal } from '../../nn/init.js';
import { Module } from '../../nn/module.js';
import { ModuleList } from '../../nn/module_list.js';
import type { NormConfig } from '../../nn/norm.js';
import { ConvModule } from '../../nn/conv_module.js';

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
    const m = tower.push(new ConvModule(i === 0 ? opts.inChannels : opts.featChannels, opts.featChannels, { kernelSize: 3, padding: 1, norm: opts.norm ?? null, bias: opts.convBias }));
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
