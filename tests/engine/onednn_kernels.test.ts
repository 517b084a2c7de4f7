/**
 * The oneDNN conv kernels (addon built with -DDETLAB_ONEDNN) against the
 * im2col + OpenBLAS ones they replace, on the geometries detectors use and a
 * few odd ones; skipped when the addon was built without oneDNN, except in CI
 * (CI=true), whose install fetches its wheels, where that fails.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../../src/engine/tf.js';
import { initEngine } from '../../src/engine/init.js';
import { loadAddon, ONEDNN_BACKWARD_WEIGHTS } from '../../src/engine/native/addon.js';
import { ONEDNN_KERNELS, onednnRouting, registerNativeKernels, type OnednnRouting } from '../../src/engine/native/kernels.js';
import { caseTensors, convResults, EXPLICIT_PAD, type ConvCase } from './cases.js';
import { convGeometry, type Pad } from './reference.js';

const load = loadAddon();
const skip = !load.addon
  ? `native addon unavailable: ${load.why}`
  : load.addon.onednnConv
    ? false
    : `${load.path} was built without oneDNN (DETLAB_ONEDNN=off at install, or its wheel could not be had: npm install's line says which)`;

const OPENBLAS: OnednnRouting = { kernels: [], minPixels: 0 };
const ONEDNN: OnednnRouting = { kernels: ONEDNN_KERNELS, minPixels: 0 };
const MAX_ABS_DIFF = 1e-4;

function convCase(name: string, xShape: number[], k: number, stride: number, pad: Pad, co: number): ConvCase {
  return { name, xShape, k, stride, pad, co, geometry: convGeometry(xShape, [k, k], co, stride, pad) };
}

const CASES: ConvCase[] = [
  convCase('3×3 s1 p1', [2, 16, 16, 16], 3, 1, 1, 24),
  convCase('3×3 s2 same', [2, 16, 16, 16], 3, 2, 'same', 32),
  convCase('3×3 s2 p1 odd 13×11', [2, 13, 11, 5], 3, 2, 1, 6),
  convCase('1×1 s2', [2, 16, 16, 16], 1, 2, 'valid', 32),
  // oneDNN 3.2's own strided 1×1 backward-weights kernel corrupted the heap here (onednn_conv.c avoids it).
  convCase('1×1 s2 b1 12ch', [1, 16, 16, 12], 1, 2, 'valid', 4),
  convCase('1×1 s1', [2, 9, 7, 20], 1, 1, 'valid', 8),
  convCase('7×7 s2 p3', [2, 32, 32, 3], 7, 2, 3, 16),
  convCase('7×7 s2 same odd 37×29', [1, 37, 29, 3], 7, 2, 'same', 8),
  convCase('3×3 s1 valid odd 11×10', [2, 11, 10, 3], 3, 1, 'valid', 4),
  convCase('3×3 s2 explicit pads', [2, 11, 10, 3], 3, 2, EXPLICIT_PAD, 4),
  convCase('5×5 s1 same odd 9×13', [1, 9, 13, 7], 5, 1, 'same', 9),
];

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('oneDNN conv kernels', () => {
  it('the addon has oneDNN in CI', { skip: process.env.CI === 'true' ? false : 'not in CI (CI != true)' }, () => {
    assert.ok(load.addon?.onednnConv, `CI's npm install builds the addon with oneDNN, but: ${skip || ''}`);
  });

  it('Conv2D, Conv2DBackpropInput and Conv2DBackpropFilter match im2col + OpenBLAS within 1e-4', { skip }, async () => {
    await initEngine({ backend: 'wasm', native: 'on', threads: 2, log: false });
    assert.ok(load.addon);
    registerNativeKernels(load.addon, 2, OPENBLAS);
    const want = CASES.map((c) => convResults(c, 41));
    registerNativeKernels(load.addon, 2, ONEDNN);
    CASES.forEach((c, i) => {
      const got = convResults(c, 41);
      for (const [op, key] of [['Conv2D', 'forward'], ['Conv2DBackpropInput', 'inputGrad'], ['Conv2DBackpropFilter', 'filterGrad']] as const) {
        const diff = maxAbsDiff(got[key], want[i][key]);
        assert.ok(diff <= MAX_ABS_DIFF, `${op} ${c.name}: max abs diff ${diff}`);
      }
    });
  });

  it('gives the same bits twice at one thread count, and after switching threads and back', { skip }, async () => {
    await initEngine({ backend: 'wasm', native: 'on', threads: 2, log: false });
    assert.ok(load.addon);
    registerNativeKernels(load.addon, 2, ONEDNN);
    const c = CASES[1];
    const first = convResults(c, 7);
    assert.deepEqual(convResults(c, 7), first);
    registerNativeKernels(load.addon, 1, ONEDNN);
    const single = convResults(c, 7);
    registerNativeKernels(load.addon, 2, ONEDNN);
    assert.deepEqual(convResults(c, 7), first);
    assert.ok(maxAbsDiff(single.filterGrad, first.filterGrad) <= MAX_ABS_DIFF);
  });

  it('the engine line names oneDNN and the convs it runs; DETLAB_ONEDNN picks them', { skip }, async () => {
    assert.ok(load.addon);
    const version = load.addon.onednn();
    assert.match(version ?? '', /^oneDNN \d+\.\d+\.\d+ \(/);
    const saved = process.env.DETLAB_ONEDNN;
    try {
      delete process.env.DETLAB_ONEDNN;
      const info = await initEngine({ backend: 'wasm', native: 'on', log: false });
      assert.ok(info.reason.includes(`; ${version} for Conv2D, Conv2DBackpropInput, Conv2DBackpropFilter from 512 output pixels`), info.reason);
      assert.equal(info.versions.onednn, version);
      process.env.DETLAB_ONEDNN = 'off';
      assert.deepEqual(onednnRouting(load.addon).kernels, []);
      const off = await initEngine({ backend: 'wasm', native: 'on', log: false });
      assert.ok(off.reason.endsWith(`; ${version} unused (DETLAB_ONEDNN=off)`), off.reason);
      process.env.DETLAB_ONEDNN = 'Conv2DBackpropFilter, Conv2D';
      assert.deepEqual(onednnRouting(load.addon).kernels, ['Conv2DBackpropFilter', 'Conv2D']);
      process.env.DETLAB_ONEDNN = 'Conv3D';
      assert.throws(() => onednnRouting(load.addon as NonNullable<typeof load.addon>), /DETLAB_ONEDNN: unknown kernel 'Conv3D'/);
    } finally {
      if (saved === undefined) delete process.env.DETLAB_ONEDNN;
      else process.env.DETLAB_ONEDNN = saved;
    }
  });

  it('rejects arrays too small for the geometry and an unknown kind', { skip }, () => {
    const conv = load.addon?.onednnConv?.bind(load.addon);
    assert.ok(conv);
    const { x, w, dy } = caseTensors(CASES[0], 1);
    const [xv, wv] = [x, w].map((t) => t.dataSync() as Float32Array);
    tf.dispose([x, w, dy]);
    const small = new Float32Array(3);
    const g = [2, 16, 16, 16, 3, 3, 1, 1, 1, 1, 16, 16, 24, 1, 1] as const;
    assert.throws(() => conv(ONEDNN_BACKWARD_WEIGHTS, xv, small, wv, ...g), /too small/);
    assert.throws(() => conv(3 as 0, xv, wv, small, ...g), /kind must be/);
  });
});
