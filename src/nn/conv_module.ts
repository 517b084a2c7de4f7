/**
 * conv -> norm -> activation, named as mmcv's ConvModule (`conv`, then `bn` or
 * `gn`), so heads and necks keep mmdet's parameter names
 * (`cls_convs.0.conv.weight`, `cls_convs.0.gn.weight`). As mmcv's
 * `bias='auto'`, the conv has a bias only when there is no norm.
 */
import { tf, type Tensor4D } from '../engine/tf.js';
import { Conv2d, type Conv2dOptions } from './conv2d.js';
import { Module } from './module.js';
import { buildNorm, type NormConfig, type NormLayer } from './norm.js';

export interface ConvModuleOptions extends Omit<Conv2dOptions, 'bias'> {
  norm?: NormConfig | null;
  activation?: 'relu' | null;
  /** Overrides mmcv's 'auto' rule. */
  bias?: boolean;
}

export class ConvModule extends Module {
  readonly conv: Conv2d;
  readonly norm?: NormLayer;
  private readonly activation: 'relu' | null;

  constructor(inChannels: number, outChannels: number, opts: ConvModuleOptions) {
    super();
    const norm = opts.norm ?? null;
    this.conv = this.child('conv', new Conv2d(inChannels, outChannels, { ...opts, bias: opts.bias ?? norm === null }));
    if (norm !== null) this.norm = this.child(norm.type === 'GN' ? 'gn' : 'bn', buildNorm(norm, outChannels));
    this.activation = opts.activation === undefined ? 'relu' : opts.activation;
  }

  forward(x: Tensor4D): Tensor4D {
    let y = this.conv.forward(x);
    if (this.norm !== undefined) y = this.norm.forward(y);
    return this.activation === 'relu' ? tf.relu(y) : y;
  }
}
