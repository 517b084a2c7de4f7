/**
 * TSCODE's pieces on hand-built tensors: depth-to-space placement, DPE against
 * Eq. 5 written out with the same convs, SCE's shapes and top level, and
 * DConv's init and norm options.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { tf, type Tensor4D } from '../../src/engine/tf.js';
import { initEngine } from '../../src/engine/init.js';
import { cropTo, depthToSpace2 } from '../../src/detection/tscode/depth_to_space.js';
import { DetailPreservingEncoder } from '../../src/detection/tscode/dpe.js';
import { SemanticContextEncoder, type SceOptions } from '../../src/detection/tscode/sce.js';
import { seedInitialisers } from '../../src/nn/init.js';

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
}

function rand(shape: [number, number, number, number], seed: number): Tensor4D {
  return tf.randomNormal(shape, 0, 1, 'float32', seed) as Tensor4D;
}

describe('TSCODE parts', () => {
  before(async () => {
    await initEngine({ backend: 'wasm', log: false });
  });

  it('depth-to-space puts child (i, j) of location (x, y), class c, at (2x+i, 2y+j), channel c', () => {
    const [b, h, w, k] = [2, 3, 2, 5];
    const input = new Float32Array(b * h * w * 4 * k);
    // value encodes (batch, x, y, i, j, c) so every output element names its source
    const code = (n: number, x: number, y: number, i: number, j: number, c: number): number => ((((n * 10 + x) * 10 + y) * 10 + i) * 10 + j) * 10 + c;
    for (let n = 0; n < b; n++) for (let x = 0; x < h; x++) for (let y = 0; y < w; y++) for (let i = 0; i < 2; i++) for (let j = 0; j < 2; j++) for (let c = 0; c < k; c++) {
      input[((n * h + x) * w + y) * 4 * k + (2 * i + j) * k + c] = code(n, x, y, i, j, c);
    }
    const out = depthToSpace2(tf.tensor4d(input, [b, h, w, 4 * k]));
    assert.deepEqual(out.shape, [b, 2 * h, 2 * w, k]);
    const o = out.dataSync();
    for (let n = 0; n < b; n++) for (let x = 0; x < h; x++) for (let y = 0; y < w; y++) for (let i = 0; i < 2; i++) for (let j = 0; j < 2; j++) for (let c = 0; c < k; c++) {
      assert.equal(o[((n * 2 * h + 2 * x + i) * 2 * w + 2 * y + j) * k + c], code(n, x, y, i, j, c));
    }
    assert.deepEqual(cropTo(out, 5, 3).shape, [b, 5, 3, k]);
    assert.throws(() => depthToSpace2(tf.zeros([1, 2, 2, 6]) as Tensor4D), /multiple of 4/);
  });

  it('DPE equals P_l + up(P_{l+1}) + DConv\'(up(P_l) + P_{l-1}), with C2 through a 1×1 lateral at the finest level', () => {
    const dpe = new DetailPreservingEncoder({ channels: 4, c2Channels: 6, inputs: ['l+1', 'l', 'l-1'], upsample: 'nearest', topLevel: 'drop' });
    const c2 = rand([1, 16, 16, 6], 1);
    const p = [rand([1, 8, 8, 4], 2), rand([1, 4, 4, 4], 3), rand([1, 2, 2, 4], 4)];
    const g = dpe.forward(p, c2);
    const conv = (x: Tensor4D): Tensor4D => tf.add(tf.conv2d(tf.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]]), dpe.dconv!.weight as tf.Tensor4D, 2, 'valid'), dpe.dconv!.bias!);
    // nearest 2× upsampling by repetition, written independently of resizeNearestNeighbor
    const up = (x: Tensor4D): Tensor4D => {
      const [n, h, w, c] = x.shape;
      return tf.reshape(tf.tile(tf.reshape(x, [n, h, 1, w, 1, c]), [1, 1, 2, 1, 2, 1]), [n, 2 * h, 2 * w, c]) as Tensor4D;
    };
    const lateral = tf.add(tf.conv2d(c2, dpe.lateral!.weight as tf.Tensor4D, 1, 'valid'), dpe.lateral!.bias!) as Tensor4D;
    const expected = [
      tf.addN([p[0], up(p[1]), conv(tf.add(up(p[0]), lateral))]),
      tf.addN([p[1], up(p[2]), conv(tf.add(up(p[1]), p[0]))]),
      tf.addN([p[2], conv(tf.add(up(p[2]), p[1]))]),
    ];
    expected.forEach((e, l) => assert.ok(maxAbsDiff(g[l], e) < 1e-5, `level ${l}: ${maxAbsDiff(g[l], e)}`));

    const only = new DetailPreservingEncoder({ channels: 4, c2Channels: 4, inputs: ['l-1'], upsample: 'nearest', topLevel: 'drop' });
    assert.equal(only.lateral, undefined, 'no lateral when C2 already has the channels');
    const c2same = rand([1, 16, 16, 4], 5);
    const prevOnly = only.forward(p, c2same);
    const convOnly = (x: Tensor4D): Tensor4D => tf.add(tf.conv2d(tf.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]]), only.dconv!.weight as tf.Tensor4D, 2, 'valid'), only.dconv!.bias!);
    assert.ok(maxAbsDiff(prevOnly[0], convOnly(c2same)) < 1e-5, "inputs ['l-1']: DConv'(C2) alone");
    assert.ok(maxAbsDiff(prevOnly[2], convOnly(p[1])) < 1e-5, "inputs ['l-1']: DConv'(P_{l-1}) alone");

    const pooled = new DetailPreservingEncoder({ channels: 4, c2Channels: 4, inputs: ['l+2', 'l+1', 'l'], upsample: 'nearest', topLevel: 'pool' });
    const top = pooled.forward(p)[2];
    const p8 = tf.maxPool(p[2], 1, 2, 'valid') as Tensor4D;
    const p9 = tf.maxPool(p8, 1, 2, 'valid') as Tensor4D;
    // P_L is 2×2, so its pooled stand-ins P_{L+1} and P_{L+2} are both 1×1 and μ(μ(P_{L+2})) is one 2× step
    assert.ok(maxAbsDiff(top, tf.addN([p[2], up(p8), up(p9)])) < 1e-5, "top level with 'pool' stand-ins for P_{L+1}, P_{L+2}");
    assert.throws(() => dpe.forward(p), /needs the backbone's C2/);
    assert.throws(() => new DetailPreservingEncoder({ channels: 4, c2Channels: 4, inputs: [], upsample: 'nearest', topLevel: 'drop' }), /at least one/);
  });

  it('SCE: logits at every level\'s resolution (odd sizes cropped), concat of DConv(P_l) and P_{l+1}, each downsampling', () => {
    const p = [rand([2, 9, 7, 4], 6), rand([2, 5, 4, 4], 7), rand([2, 3, 2, 4], 8)];
    for (const downsample of ['conv3', 'conv5', 'conv7', 'avg', 'max'] as const) {
      const sce = new SemanticContextEncoder({ inChannels: 4, featChannels: 8, stackedConvs: 2, convBias: true, clsOutChannels: 3, clsBias: -4.6, downsample, useNextLevel: true, topLevel: 'pool' });
      const out = sce.forward(p);
      assert.deepEqual(out.map((t) => t.shape), [[2, 9, 7, 3], [2, 5, 4, 3], [2, 3, 2, 3]], downsample);
      const ctx = sce.context(p, 0);
      assert.deepEqual(ctx.shape, [2, 5, 4, 8], `${downsample}: 512 = 2 × 256 channels in the paper`);
      assert.equal(maxAbsDiff(tf.slice(ctx, [0, 0, 0, 4], [-1, -1, -1, 4]), p[1]), 0, `${downsample}: second half is P_{l+1}`);
    }
    const zeros = new SemanticContextEncoder({ inChannels: 4, featChannels: 8, stackedConvs: 2, convBias: true, clsOutChannels: 3, clsBias: 0, downsample: 'conv3', useNextLevel: true, topLevel: 'zeros' });
    assert.equal(tf.tidy(() => tf.max(tf.abs(tf.slice(zeros.context(p, 2), [0, 0, 0, 4], [-1, -1, -1, 4]))).dataSync()[0]), 0, 'zeros above the top');
    const alone = new SemanticContextEncoder({ inChannels: 4, featChannels: 8, stackedConvs: 1, convBias: true, clsOutChannels: 3, clsBias: 0, downsample: 'conv3', useNextLevel: false, topLevel: 'pool' });
    assert.deepEqual(alone.context(p, 0).shape, [2, 5, 4, 4], 'without P_{l+1}');
    assert.throws(() => zeros.forward([p[0], p[2]]), /level 1 is 3x2/);
  });

  it("SCE's DConv: 'normal' N(0, 0.01) shrinks P_l to ≈ 0.01·√(9C) of its scale, 'c2_xavier' keeps it, a norm standardises it", () => {
    seedInitialisers(3);
    const c = 32;
    const x = rand([2, 16, 16, c], 9);
    const sceWith = (o: Partial<SceOptions>): SemanticContextEncoder =>
      new SemanticContextEncoder({ inChannels: c, featChannels: 8, stackedConvs: 1, convBias: true, clsOutChannels: 2, clsBias: 0, downsample: 'conv3', useNextLevel: true, topLevel: 'pool', ...o });
    const params = (sce: SemanticContextEncoder): Map<string, tf.Tensor> => new Map(sce.namedParameters());
    const std = (t: tf.Tensor): number => tf.tidy(() => Math.sqrt(tf.moments(t).variance.dataSync()[0]));
    // RMS over the interior outputs, whose 3×3 window lies inside the map (the first row and column read padding)
    const rmsRatio = (sce: SemanticContextEncoder): number => tf.tidy(() => {
      const y = tf.slice(sce.downsample(x), [0, 1, 1, 0], [-1, -1, -1, -1]);
      return Math.sqrt(tf.mean(tf.square(y)).dataSync()[0] / tf.mean(tf.square(x)).dataSync()[0]);
    });

    const plain = sceWith({});
    const w = params(plain).get('dconv.weight')!;
    assert.deepEqual(w.shape, [3, 3, c, c]);
    assert.ok(Math.abs(std(w) - 0.01) < 5e-4, `normal: weight std ${std(w)}`);
    assert.equal(tf.tidy(() => tf.max(tf.abs(params(plain).get('dconv.bias')!)).dataSync()[0]), 0, 'zero bias');
    const expected = 0.01 * Math.sqrt(9 * c);
    assert.ok(Math.abs(rmsRatio(plain) - expected) < 0.1 * expected, `normal: DConv(P_l) at ${rmsRatio(plain)} of P_l's scale, expected ≈ ${expected.toFixed(3)}`);

    const xavier = sceWith({ dconvInit: 'c2_xavier' });
    const wx = params(xavier).get('dconv.weight')!;
    const bound = Math.sqrt(3 / (9 * c));
    assert.ok(tf.tidy(() => tf.max(tf.abs(wx)).dataSync()[0]) <= bound, 'c2_xavier: U(±√(3/fan_in))');
    assert.ok(Math.abs(std(wx) - 1 / Math.sqrt(9 * c)) < 0.03 / Math.sqrt(9 * c), `c2_xavier: weight std ${std(wx)}`);
    assert.ok(Math.abs(rmsRatio(xavier) - 1) < 0.1, `c2_xavier: DConv(P_l) at ${rmsRatio(xavier)} of P_l's scale`);

    const normed = sceWith({ dconvNorm: { type: 'GN', num_groups: 8 } });
    assert.deepEqual([...params(normed).keys()].filter((k) => k.startsWith('dconv')), ['dconv.weight', 'dconv_norm.weight', 'dconv_norm.bias'], 'the conv loses its bias before the norm');
    const grouped = tf.tidy(() => tf.reshape(normed.downsample(x), [2, 8 * 8, 8, c / 8]).transpose([0, 2, 1, 3]).reshape([16, -1]));
    const { mean, variance } = tf.moments(grouped, 1);
    for (const [g, m] of [...mean.dataSync()].entries()) assert.ok(Math.abs(m) < 1e-4, `group ${g}: mean ${m}`);
    for (const [g, v] of [...variance.dataSync()].entries()) assert.ok(Math.abs(v - 1) < 1e-3, `group ${g}: variance ${v}`);

    assert.throws(() => sceWith({ downsample: 'max', dconvNorm: { type: 'GN', num_groups: 8 } }), /sce_downsample 'max' is a pooling/);
  });
});
