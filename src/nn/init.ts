/**
 * Weight initialisers with PyTorch's conventions (`torch.nn.init`).
 *
 * Each returns a fresh tensor of `shape`; fans are passed explicitly because
 * detlab's conv weights are HWIO while torch derives fans from OIHW.
 * `fill(v, t)` copies such a tensor into an existing variable and disposes it.
 */
import { ComponentError } from '../config/errors.js';
import { tf, type Tensor, type Variable } from '../engine/tf.js';

export type Nonlinearity = 'linear' | 'relu' | 'leaky_relu' | 'sigmoid' | 'tanh';

/** `torch.nn.init.calculate_gain`. */
export function calculateGain(nonlinearity: Nonlinearity, negativeSlope = 0.01): number {
  switch (nonlinearity) {
    case 'linear':
    case 'sigmoid':
      return 1;
    case 'tanh':
      return 5 / 3;
    case 'relu':
      return Math.SQRT2;
    case 'leaky_relu':
      return Math.sqrt(2 / (1 + negativeSlope * negativeSlope));
  }
}

let nextInitSeed: (() => number) | undefined;

/**
 * From now on, initialisers called without an explicit seed draw their seeds
 * from a stream started at `seed`, so a run's initial weights follow its
 * config `seed` (tfjs' own random ops are otherwise unseeded).
 */
export function seedInitialisers(seed: number): void {
  let state = seed >>> 0;
  nextInitSeed = () => {
    // splitmix32: a well-spread seed per call from a simple counter.
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

function drawSeed(explicit: number | undefined): number | undefined {
  return explicit ?? nextInitSeed?.();
}

export interface KaimingOptions {
  /** fan_in (torch's default mode) or fan_out of the weight, as torch computes it. */
  fan: number;
  /** Negative slope for leaky_relu (torch's layer default init uses a = sqrt(5)). */
  a?: number;
  nonlinearity?: Nonlinearity;
  seed?: number;
}

/** U(-b, b) with b = gain * sqrt(3 / fan): `kaiming_uniform_`. */
export function kaimingUniform(shape: number[], opts: KaimingOptions): Tensor {
  const gain = calculateGain(opts.nonlinearity ?? 'leaky_relu', opts.a ?? 0);
  const bound = gain * Math.sqrt(3 / checkFan(opts.fan));
  return tf.randomUniform(shape, -bound, bound, 'float32', drawSeed(opts.seed));
}

/** N(0, gain / sqrt(fan)): `kaiming_normal_`. */
export function kaimingNormal(shape: number[], opts: KaimingOptions): Tensor {
  const gain = calculateGain(opts.nonlinearity ?? 'leaky_relu', opts.a ?? 0);
  return tf.randomNormal(shape, 0, gain / Math.sqrt(checkFan(opts.fan)), 'float32', drawSeed(opts.seed));
}

/** U(-b, b) with b = gain * sqrt(6 / (fan_in + fan_out)): `xavier_uniform_`. */
export function xavierUniform(shape: number[], fanIn: number, fanOut: number, gain = 1, seed?: number): Tensor {
  const bound = gain * Math.sqrt(6 / (checkFan(fanIn) + checkFan(fanOut)));
  return tf.randomUniform(shape, -bound, bound, 'float32', drawSeed(seed));
}

export function uniform(shape: number[], low: number, high: number, seed?: number): Tensor {
  return tf.randomUniform(shape, low, high, 'float32', drawSeed(seed));
}

/** N(mean, std), e.g. the heads' `normal_(std=0.01)`. */
export function normal(shape: number[], std: number, mean = 0, seed?: number): Tensor {
  return tf.randomNormal(shape, mean, std, 'float32', drawSeed(seed));
}

export function constant(shape: number[], value: number): Tensor {
  return tf.fill(shape, value, 'float32');
}

/**
 * The bias that makes sigmoid(bias) = p at start (RetinaNet's prior
 * probability, eq. in Lin et al. §4.1): b = -log((1 - p) / p).
 */
export function biasFromPriorProb(p: number): number {
  if (!(p > 0 && p < 1)) throw new ComponentError(`prior probability must be in (0, 1), got ${p}`);
  return -Math.log((1 - p) / p);
}

/** Assigns `value` (same shape) to `v` and disposes `value`. */
export function fill(v: Variable, value: Tensor): void {
  if (v.shape.length !== value.shape.length || v.shape.some((d, i) => d !== value.shape[i])) {
    const msg = `cannot fill a variable of shape [${v.shape.join(', ')}] with a tensor of shape [${value.shape.join(', ')}]`;
    value.dispose();
    throw new Error(msg);
  }
  v.assign(value);
  value.dispose();
}

function checkFan(fan: number): number {
  if (!(fan > 0)) throw new Error(`fan must be positive, got ${fan}`);
  return fan;
}
