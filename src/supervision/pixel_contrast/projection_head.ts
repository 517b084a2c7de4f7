/**
 * PixelContrast's projection head (paper §2.2): 1×1 conv → BN → ReLU → 1×1 conv,
 * from the backbone map to the transformer width. The hidden width is not given
 * by the paper (PixPro uses 4096), so it is an option.
 */
import type { Tensor4D } from '../../engine/tf.js';
import { ConvModule } from '../../nn/conv_module.js';
import { Module } from '../../nn/module.js';

export interface ProjectionHeadOptions {
  inChannels: number;
  hiddenChannels: number;
  outChannels: number;
}

export class ProjectionHead extends Module {
  private readonly conv1: ConvModule;
  private readonly conv2: ConvModule;

  constructor(readonly options: ProjectionHeadOptions) {
    super();
    const { inChannels, hiddenChannels, outChannels } = options;
    this.conv1 = this.child('conv1', new ConvModule(inChannels, hiddenChannels, { kernelSize: 1, norm: { type: 'BN' }, activation: 'relu' }));
    this.conv2 = this.child('conv2', new ConvModule(hiddenChannels, outChannels, { kernelSize: 1, norm: null, activation: null }));
  }

  forward(x: Tensor4D): Tensor4D {
    return this.conv2.forward(this.conv1.forward(x));
  }
}
