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

/** The module mapping one backbone map to what a neck output is computed from (a transformer's input projection, an FPN lateral). */
export interface InputProjection {
  readonly module: Module & { forward(x: Tensor4D): Tensor4D };
  /** Index of the backbone output it reads. */
  readonly backboneLevel: number;
  /** A new module of the same architecture, with its own weights. */
  create(): Module & { forward(x: Tensor4D): Tensor4D };
}

/** A neck that exposes its input projections (PixelContrast's Γ). */
export interface ProjectingNeck extends Neck {
  /** Output `level`'s input projection; undefined for an output without one (an extra level). */
  inputProjection(level: number): InputProjection | undefined;
}

export function isProjectingNeck(neck: Neck): neck is ProjectingNeck {
  return typeof (neck as Neck & { inputProjection?: unknown }).inputProjection === 'function';
}
