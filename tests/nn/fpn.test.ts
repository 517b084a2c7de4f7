import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf, type Tensor4D } from '../../src/engine/tf.js';
import { FPN, type FPNOptions } from '../../registry/necks/fpn.js';

await tf.setBackend('cpu');

const fpnOpts = (over: Partial<FPNOptions>): FPNOptions => ({
  in_channels: [1, 1],
  out_channels: 1,
  num_outs: 4,
  start_level: 0,
  add_extra_convs: false,
  relu_before_extra_convs: false,
  ...over,
});

/** Sets every conv of a 1-channel FPN to "scale by s" (1x1, or a 3x3 kernel with only its centre set), zero bias. */
function setScales(fpn: FPN, scales: Record<string, number>): void {
  const state = fpn.stateDict();
  for (const [name, s] of Object.entries(scales)) {
    const w = state.get(`${name}.conv.weight`)!;
    const k = w.shape[0];
    const values = new Array(k * k).fill(0);
    values[(k * k - 1) / 2] = s;
    w.assign(tf.tensor4d(values, [k, k, 1, 1]));
    state.get(`${name}.conv.bias`)!.assign(tf.zeros([1]));
  }
}

const scales = { 'lateral_convs.0': 1, 'lateral_convs.1': 2, 'fpn_convs.0': 1, 'fpn_convs.1': 1 };
// C3 4x4 = 0..15, C4 2x2 = [[-1, 2], [3, 4]]
const c3 = tf.tensor4d(Array.from({ length: 16 }, (_, i) => i), [1, 4, 4, 1]);
const c4 = tf.tensor4d([-1, 2, 3, 4], [1, 2, 2, 1]);
const values = (t: Tensor4D): number[] => Array.from(t.dataSync());
// P3 = C3 + nearest-upsampled 2*C4; P4 = 2*C4
const p3 = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15].map((v, i) => v + 2 * [-1, 2, 3, 4][2 * Math.floor(Math.floor(i / 4) / 2) + Math.floor((i % 4) / 2)]);

test('top-down pathway and max-pool extra levels (hand-computed)', () => {
  const fpn = new FPN(fpnOpts({}));
  setScales(fpn, scales);
  const outs = fpn.forward([c3, c4]);
  assert.deepEqual(outs.map((o) => o.shape), [[1, 4, 4, 1], [1, 2, 2, 1], [1, 1, 1, 1], [1, 1, 1, 1]]);
  assert.deepEqual(values(outs[0]), p3);
  assert.deepEqual(values(outs[1]), [-2, 4, 6, 8]);
  assert.deepEqual(values(outs[2]), [-2]);
  assert.deepEqual(values(outs[3]), [-2]);
});

test('extra convs on input, on output, on lateral, and the ReLU before the second one', () => {
  // A centre-only 3x3 stride-2 conv keeps pixel (0, 0) of a 2x2 map, times its scale.
  const cases: [FPNOptions['add_extra_convs'], boolean, number, number][] = [
    ['on_input', false, 3 * -1, 5 * 3 * -1],
    ['on_input', true, 3 * -1, 0],
    ['on_output', false, 3 * -2, 5 * 3 * -2],
    ['on_output', true, 3 * -2, 0],
    ['on_lateral', false, 3 * -2, 5 * 3 * -2],
  ];
  for (const [extra, relu, p5, p6] of cases) {
    const fpn = new FPN(fpnOpts({ add_extra_convs: extra, relu_before_extra_convs: relu }));
    setScales(fpn, { ...scales, 'fpn_convs.2': 3, 'fpn_convs.3': 5 });
    const outs = fpn.forward([c3, c4]);
    assert.deepEqual(values(outs[0]), p3, `${extra}`);
    assert.deepEqual([values(outs[2])[0], values(outs[3])[0]], [p5, p6], `${extra} relu=${relu}`);
  }
});

test('nearest upsampling to an odd size takes floor(i * in / out) as torch', () => {
  const fpn = new FPN(fpnOpts({ num_outs: 2 }));
  setScales(fpn, { 'lateral_convs.0': 0, 'lateral_convs.1': 1, 'fpn_convs.0': 1, 'fpn_convs.1': 1 });
  const fine = tf.zeros([1, 5, 5, 1]) as Tensor4D;
  const coarse = tf.tensor4d([0, 1, 2, 10, 11, 12, 20, 21, 22], [1, 3, 3, 1]);
  const src = [0, 0, 1, 1, 2];
  const want = src.flatMap((r) => src.map((c) => 10 * r + c));
  assert.deepEqual(values(fpn.forward([fine, coarse])[0]), want);
});

test('RetinaNet and FCOS layouts: names, channels, shapes', () => {
  const retina = new FPN({ in_channels: [4, 8, 16, 32], out_channels: 8, start_level: 1, add_extra_convs: 'on_input', num_outs: 5, relu_before_extra_convs: false });
  const names = retina.namedParameters().map(([n, v]) => `${n}:${v.shape.join('x')}`);
  assert.ok(names.includes('lateral_convs.0.conv.weight:1x1x8x8'));
  assert.ok(names.includes('fpn_convs.3.conv.weight:3x3x32x8'), 'P6 from C5');
  assert.ok(names.includes('fpn_convs.4.conv.weight:3x3x8x8'));
  assert.equal(retina.numParameters(), (8 + 16 + 32) * 8 + 3 * 8 + 3 * (9 * 8 * 8 + 8) + (9 * 32 * 8 + 8) + (9 * 8 * 8 + 8));
  const feats = [16, 8, 4, 2].map((s, i) => tf.randomNormal([2, s, s, [4, 8, 16, 32][i]]) as Tensor4D);
  assert.deepEqual(retina.forward(feats).map((o) => o.shape), [8, 4, 2, 1, 1].map((s) => [2, s, s, 8]));
  assert.deepEqual(retina.outChannels, [8, 8, 8, 8, 8]);

  const fcos = new FPN({ in_channels: [8, 16, 32], out_channels: 8, start_level: 0, add_extra_convs: 'on_output', num_outs: 5, relu_before_extra_convs: true });
  assert.deepEqual(fcos.namedParameters().find(([n]) => n === 'fpn_convs.3.conv.weight')![1].shape, [3, 3, 8, 8]);
  assert.deepEqual(fcos.forward(feats.slice(1)).map((o) => o.shape), [8, 4, 2, 1, 1].map((s) => [2, s, s, 8]));
  // mmdet init: xavier_uniform weights, zero biases
  assert.ok(fcos.namedParameters().filter(([n]) => n.endsWith('bias')).every(([, v]) => v.dataSync().every((x) => x === 0)));
  const w = fcos.namedParameters().find(([n]) => n === 'fpn_convs.0.conv.weight')![1];
  assert.ok(tf.max(tf.abs(w)).dataSync()[0] <= Math.sqrt(6 / (72 + 72)));
});

test('bad configurations and inputs are clear errors', () => {
  assert.throws(() => new FPN(fpnOpts({ num_outs: 1 })), /num_outs \(1\) must be at least the 2 used input levels/);
  assert.throws(() => new FPN(fpnOpts({ start_level: 2 })), /start_level 2/);
  const fpn = new FPN(fpnOpts({}));
  assert.throws(() => fpn.forward([c3]), /expects 2 maps with channels \[1, 1\]/);
});
