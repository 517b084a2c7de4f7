/** Shared geometry cases and helpers for the kernel parity tests. */
import { tf, type Tensor } from '../../src/engine/tf.js';
import type { NamedAttrMap } from '../../src/engine/tf.js';
import { batchMatMul, convGeometry, type ConvGeometry, type Pad } from './reference.js';

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

export interface ConvResults {
  forward: Float32Array;
  filterGrad: Float32Array;
  inputGrad: Float32Array;
}

/** Conv2D and both gradient kernels of one case on the current backend (inputs from `seed`). */
export function convResults(c: ConvCase, seed: number): ConvResults {
  const { x, w, dy } = caseTensors(c, seed);
  const attrs = { strides: c.stride, pad: c.pad, dataFormat: 'NHWC' as const };
  const results = {
    forward: runKernel('Conv2D', { x, filter: w }, { ...attrs, dilations: 1 }),
    filterGrad: runKernel('Conv2DBackpropFilter', { x, dy }, { ...attrs, filterShape: w.shape }),
    inputGrad: runKernel('Conv2DBackpropInput', { dy, filter: w }, { ...attrs, inputShape: x.shape }),
  };
  tf.dispose([x, w, dy]);
  return results;
}

/** Transposes and broadcast batches for the BatchMatMul parity tests. */
export const MATMUL_CASES = [
  { tA: false, tB: false, batchA: 1, batchB: 1 },
  { tA: true, tB: false, batchA: 2, batchB: 2 },
  { tA: false, tB: true, batchA: 1, batchB: 3 },
  { tA: true, tB: true, batchA: 3, batchB: 1 },
];

/** BatchMatMul of one case on the current backend, and the reference product. */
export function matmulResult(c: (typeof MATMUL_CASES)[number], m: number, k: number, n: number): { got: Float32Array; want: Float64Array } {
  const a = randomTensor([c.batchA, c.tA ? k : m, c.tA ? m : k], 5);
  const b = randomTensor([c.batchB, c.tB ? n : k, c.tB ? k : n], 6);
  const got = runKernel('BatchMatMul', { a, b }, { transposeA: c.tA, transposeB: c.tB });
  const want = batchMatMul(a.dataSync() as Float32Array, b.dataSync() as Float32Array, { batchA: c.batchA, batchB: c.batchB, m, k, n }, c.tA, c.tB);
  tf.dispose([a, b]);
  return { got, want };
}
