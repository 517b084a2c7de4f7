/**
 * The transformer encoder's input projection Γ = proj(C): DETR's single 1×1
 * conv ('linear'), or PixelContrast's f_e head ('mlp', Dahou Djilali et al.
 * §2.2): 1×1 conv → BatchNorm → ReLU → 1×1 conv, "2048 to 256" in the paper,
 * which does not give the hidden width (PixPro's head: twice its input; the
 * neck's default: its input's width).
 */
import type { Tensor4D } from '../../engine/tf.js';
import { ConvModule } from '../../nn/conv_module.js';
import { Module } from '../../nn/module.js';

export const INPUT_PROJECTIONS = ['linear', 'mlp'] as const;
export type InputProjectionType = (typeof INPUT_PROJECTIONS)[number];

export class MlpProjection extends Module {
  readonly hidden: ConvModule;
  readonly out: ConvModule;

  constructor(inChannels: number, hiddenChannels: number, outChannels: number) {
    super();
    this.hidden = this.child('hidden', new ConvModule(inChannels, hiddenChannels, { kernelSize: 1, norm: { type: 'BN' }, activation: 'relu' }));
    this.out = this.child('out', new ConvModule(hiddenChannels, outChannels, { kernelSize: 1, norm: null, activation: null }));
  }

  forward(x: Tensor4D): Tensor4D {
    return this.out.forward(this.hidden.forward(x));
  }
}

/** A new projection of `type`; `hiddenChannels` is the mlp's hidden width. */
export function createInputProjection(type: InputProjectionType, inChannels: number, hiddenChannels: number, outChannels: number): Module & { forward(x: Tensor4D): Tensor4D } {
  if (type === 'mlp') return new MlpProjection(inChannels, hiddenChannels, outChannels);
  return new ConvModule(inChannels, outChannels, { kernelSize: 1, activation: null, norm: null });
}
