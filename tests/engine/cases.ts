/** Shared geometry cases and helpers for the kernel parity tests. */
import { tf, type Tensor } from '../../src/engine/tf.js';
import type { NamedAttrMap } from '../../src/engine/tf.js';
import { convGeometry, type ConvGeometry, type Pad } from './reference.js';

export const TOLERANCE = 1e-4;

export const EXPLICIT_PAD: Pad = [[0, 0], [1, 2], [3, 0], [0, 0]];

export interface ConvCase {
  name: string;
  xShape: number[];
  k: number;
  stride: number;
  pad: Pad;
  co: number;
  geometry: ConvGeometry;
}

function padName(pad: Pad): string {
  if (typeof pad === 'number') return `pad ${pad}`;
  return typeof pad === 'string' ? pad : 'explicit';
}

/** Kernel sizes 1/3/7 × strides 1/2 × padding same/valid/explicit × batch 1/2, numeric padding, and one wider case. */
export function convCases(): ConvCase[] {
  const cases: ConvCase[] = [];
  for (const k of [1, 3, 7]) {
    for (const stride of [1, 2]) {
      for (const pad of ['same', 'valid', EXPLICIT_PAD] as Pad[]) {
        for (const batch of [1, 2]) {
          const xShape = [batch, 11, 10, 3];
          cases.push({ name: `k${k} s${stride} ${padName(pad)} b${batch}`, xShape, k, stride, pad, co: 4, geometry: convGeometry(xShape, [k, k], 4, stride, pad) });
        }
      }
    }
  }
  // Numeric (torch-style symmetric) padding, as detlab's nn.Conv2d passes it.
  for (const k of [3, 7]) {
    for (const stride of [1, 2]) {
      const xShape = [2, 11, 10, 3];
      const pad = (k - 1) / 2;
      cases.push({ name: `k${k} s${stride} ${padName(pad)} b2`, xShape, k, stride, pad, co: 4, geometry: convGeometry(xShape, [k, k], 4, stride, pad) });
    }
  }
  const wide = [2, 16, 16, 16];
  cases.push({ name: 'k3 s2 same b2 16→24ch', xShape: wide, k: 3, stride: 2, pad: 'same', co: 24, geometry: convGeometry(wide, [3, 3], 24, 2, 'same') });
  return cases;
}

/** Deterministic pseudo-random values in [-1, 1). */
export function randomTensor(shape: number[], seed: number): Tensor {
  return tf.randomUniform(shape, -1, 1, 'float32', seed);
}

export function runKernel(name: string, inputs: Record<string, Tensor>, attrs: NamedAttrMap): Float32Array {
  const out = tf.engine().runKernel(name, inputs, attrs) as Tensor;
  const values = out.dataSync() as Float32Array;
  out.dispose();
  return values;
}

export function caseTensors(c: ConvCase, seed: number): { x: Tensor; w: Tensor; dy: Tensor } {
  const g = c.geometry;
  return {
    x: randomTensor(c.xShape, seed),
    w: randomTensor([c.k, c.k, g.C, c.co], seed + 1),
    dy: randomTensor([g.B, g.OH, g.OW, c.co], seed + 2),
  };
}
