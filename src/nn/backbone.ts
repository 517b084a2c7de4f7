/**
 * What backbones and necks built from the registry return: modules mapping
 * NHWC images (or features) to a list of NHWC feature maps, finest first.
 */
import type { Tensor4D } from '../engine/tf.js';
import type { Module } from './module.js';

export interface MultiScaleModule extends Module {
  /** Channels of each returned map, in order. */
  readonly outChannels: readonly number[];
}

export interface Backbone extends MultiScaleModule {
  /** Stride (input pixels per output pixel) of each returned map, in order. */
  readonly strides: readonly number[];
  forward(images: Tensor4D): Tensor4D[];
}

export interface Neck extends MultiScaleModule {
  forward(features: Tensor4D[]): Tensor4D[];
}
