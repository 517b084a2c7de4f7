/**
 * 2-D convolution on NHWC tensors.
 *
 * The weight is stored HWIO (`[kH, kW, in/groups, out]`, tfjs' filter layout)
 * under torch's name `weight`; a torchvision OIHW tensor maps onto it by the
 * transposition [2, 3, 1, 0] (`fromTorch`/`toTorch`, used by torch_layout.ts).
 * Default init is torch's: kaiming_uniform(a = sqrt(5)) for the weight,
 * U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for the bias.
 */
import { ComponentError } from '../config/errors.js';
import { tf, type Tensor, type Tensor4D, type Variable } from '../engine/tf.js';
import { recordFlops, tracingShapesOnly } from './flop_recorder.js';
import { kaimingUniform, uniform } from './init.js';
import { Module } from './module.js';
import type { TorchLayout } from './torch_layout.js';

export interface Conv2dOptions {
  kernelSize: number | [number, number];
  stride?: number;
  /** Symmetric zero padding in pixels, as torch's `padding=`. */
  padding?: number;
  dilation?: number;
  groups?: number;
  bias?: boolean;
  /** Makes the initial HWIO weight instead of torch's default (e.g. kaiming_normal fan_out, or zeros before loading a checkpoint). */
  initWeight?: (shape: number[], fans: { fanIn: number; fanOut: number }) => Tensor;
}

export class Conv2d extends Module implements TorchLayout {
  readonly weight: Variable;
  readonly bias?: Variable;
  readonly kernelSize: [number, number];
  readonly stride: number;
  readonly padding: number;
  readonly dilation: number;
  readonly groups: number;

  constructor(readonly inChannels: number, readonly outChannels: number, opts: Conv2dOptions) {
    super();
    this.kernelSize = typeof opts.kernelSize === 'number' ? [opts.kernelSize, opts.kernelSize] : opts.kernelSize;
    this.stride = opts.stride ?? 1;
    this.padding = opts.padding ?? 0;
    this.dilation = opts.dilation ?? 1;
    this.groups = opts.groups ?? 1;
    if (inChannels % this.groups !== 0 || outChannels % this.groups !== 0) {
      throw new ComponentError(`Conv2d: in (${inChannels}) and out (${outChannels}) channels must be divisible by groups (${this.groups})`);
    }
    const [kh, kw] = this.kernelSize;
    const fanIn = this.fanIn;
    const shape = [kh, kw, inChannels / this.groups, outChannels];
    this.weight = this.param('weight', opts.initWeight?.(shape, { fanIn, fanOut: this.fanOut }) ?? kaimingUniform(shape, { fan: fanIn, a: Math.sqrt(5) }));
    if (opts.bias ?? true) {
      const bound = 1 / Math.sqrt(fanIn);
      this.bias = this.param('bias', uniform([outChannels], -bound, bound));
    }
  }

  /** torch's fan_in: (in / groups) * kH * kW. */
  get fanIn(): number {
    return (this.inChannels / this.groups) * this.kernelSize[0] * this.kernelSize[1];
  }

  /** torch's fan_out: out * kH * kW. */
  get fanOut(): number {
    return this.outChannels * this.kernelSize[0] * this.kernelSize[1];
  }

  forward(x: Tensor4D): Tensor4D {
    if (x.shape[3] !== this.inChannels) {
      throw new Error(`Conv2d expects ${this.inChannels} input channels (NHWC), got shape [${x.shape.join(', ')}]`);
    }
    const [n, h, w] = x.shape;
    const ho = this.outputSize(h, this.kernelSize[0]);
    const wo = this.outputSize(w, this.kernelSize[1]);
    if (ho < 1 || wo < 1) throw new Error(`Conv2d: input [${x.shape.join(', ')}] is too small for kernel ${this.kernelSize.join('x')} with padding ${this.padding}`);
    recordFlops(this, 'conv', n * ho * wo * this.outChannels * this.fanIn, x.shape, [n, ho, wo, this.outChannels]);
    if (tracingShapesOnly()) return tf.zeros([n, ho, wo, this.outChannels]);
    const y = this.groups === 1 ? this.convolve(x, this.weight as Tensor4D) : this.groupedConv(x);
    return this.bias === undefined ? y : tf.add(y, this.bias);
  }

  /** torch's output size: floor((in + 2p - d(k - 1) - 1) / s) + 1. */
  private outputSize(size: number, k: number): number {
    return Math.floor((size + 2 * this.padding - this.dilation * (k - 1) - 1) / this.stride) + 1;
  }

  private convolve(x: Tensor4D, filter: Tensor4D): Tensor4D {
    return tf.conv2d(x, filter, this.stride, this.padding, 'NHWC', this.dilation);
  }

  private groupedConv(x: Tensor4D): Tensor4D {
    if (this.groups === this.inChannels && this.groups === this.outChannels) {
      // Depthwise: tfjs wants [kH, kW, C, multiplier].
      const f = tf.reshape(this.weight, [this.kernelSize[0], this.kernelSize[1], this.inChannels, 1]) as Tensor4D;
      return tf.depthwiseConv2d(x, f, this.stride, this.padding, 'NHWC', this.dilation);
    }
    const xs = tf.split(x, this.groups, 3);
    const fs = tf.split(this.weight as Tensor4D, this.groups, 3) as Tensor4D[];
    return tf.concat(xs.map((xi, g) => this.convolve(xi as Tensor4D, fs[g])), 3);
  }

  fromTorch(name: string, t: Tensor): Tensor {
    return name === 'weight' ? tf.transpose(t, [2, 3, 1, 0]) : t;
  }

  toTorch(name: string, t: Tensor): Tensor {
    return name === 'weight' ? tf.transpose(t, [3, 2, 0, 1]) : t;
  }
}
