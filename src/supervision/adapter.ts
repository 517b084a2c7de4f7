/**
 * The feature adapter of LabelEnc (A) and LGD (`adapter['distill']`):
 * Conv3x3 → ReLU → Conv3x3 → ReLU → Conv3x3, with biases and torch's default
 * init, one instance shared across pyramid levels.
 */
import { tf, type Tensor4D } from '../engine/tf.js';
import { Conv2d } from '../nn/conv2d.js';
import { Module } from '../nn/module.js';
import { ModuleList } from '../nn/module_list.js';

export class FeatureAdapter extends Module {
  private readonly convs: ModuleList<Conv2d>;

  constructor(channels: number) {
    super();
    this.convs = this.child('convs', new ModuleList([0, 1, 2].map(() => new Conv2d(channels, channels, { kernelSize: 3, padding: 1 }))));
  }

  forward(x: Tensor4D): Tensor4D {
    let y = this.convs.at(0).forward(x);
    for (let i = 1; i < this.convs.length; i++) y = this.convs.at(i).forward(tf.relu(y));
    return y;
  }
}
