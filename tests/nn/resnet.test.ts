import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../../src/engine/tf.js';
import { initEngine } from '../../src/engine/init.js';
import { BatchNorm2d } from '../../src/nn/batch_norm.js';
import { GroupNorm } from '../../src/nn/group_norm.js';
import { ResNet, type ResNetOptions } from '../../registry/backbones/resnet.js';

await initEngine({ backend: 'wasm', log: false });

function opts(over: Partial<ResNetOptions>): ResNetOptions {
  return { depth: 18, in_channels: 3, out_indices: [0, 1, 2, 3], frozen_stages: -1, norm: { type: 'BN' }, norm_eval: false, base_channels: 64, init: { checkpoint: null }, ...over };
}

test('parameter counts equal torchvision without fc', () => {
  // torchvision (fc included: 512*1000+1000 or 2048*1000+1000): resnet18 11,689,512, resnet34 21,797,672,
  // resnet50 25,557,032, resnet101 44,549,160.
  const cases = [[18, 11_689_512, 512 * 1000 + 1000], [34, 21_797_672, 512 * 1000 + 1000], [50, 25_557_032, 2048 * 1000 + 1000], [101, 44_549_160, 2048 * 1000 + 1000]] as const;
  for (const [depth, withFc, fc] of cases) {
    const m = new ResNet(opts({ depth }));
    assert.equal(m.numParameters(), withFc - fc, `ResNet-${depth}`);
    m.dispose();
  }
});

test('torchvision names and v1.5 stride on the 3x3 conv', () => {
  const m = new ResNet(opts({ depth: 50 }));
  const names = new Map(m.namedParameters().map(([n, v]) => [n, v.shape]));
  assert.deepEqual(names.get('conv1.weight'), [7, 7, 3, 64]);
  assert.deepEqual(names.get('layer1.0.downsample.0.weight'), [1, 1, 64, 256]);
  assert.deepEqual(names.get('layer4.2.conv3.weight'), [1, 1, 512, 2048]);
  const buffers = m.namedBuffers().map(([n]) => n);
  assert.ok(buffers.includes('layer2.0.downsample.1.running_var'));
  const conv2 = m.namedModules().find(([n]) => n === 'layer2.0.conv2')?.[1] as unknown as { stride: number };
  const conv1 = m.namedModules().find(([n]) => n === 'layer2.0.conv1')?.[1] as unknown as { stride: number };
  assert.equal(conv2.stride, 2);
  assert.equal(conv1.stride, 1);
  m.dispose();
});

test('out_indices select C2..C5 with their strides and channels', () => {
  const m = new ResNet(opts({ depth: 18, out_indices: [1, 2, 3] }));
  assert.deepEqual(m.outChannels, [128, 256, 512]);
  assert.deepEqual(m.strides, [8, 16, 32]);
  const outs = m.forward(tf.randomNormal([1, 64, 96, 3]));
  assert.deepEqual(outs.map((o) => o.shape), [[1, 8, 12, 128], [1, 4, 6, 256], [1, 2, 3, 512]]);
  m.dispose();
});

test('base_channels narrows every stage: half width gives half the channels and about a quarter of the weights', () => {
  const full = new ResNet(opts({ depth: 18, out_indices: [1, 2, 3] }));
  const half = new ResNet(opts({ depth: 18, out_indices: [1, 2, 3], base_channels: 32 }));
  assert.deepEqual(half.outChannels, [64, 128, 256]);
  const outs = half.forward(tf.randomNormal([1, 64, 64, 3]));
  assert.deepEqual(outs.map((o) => o.shape), [[1, 8, 8, 64], [1, 4, 4, 128], [1, 2, 2, 256]]);
  const count = (m: ResNet): number => m.namedParameters().reduce((s, [, v]) => s + v.size, 0);
  const ratio = count(half) / count(full);
  assert.ok(ratio > 0.24 && ratio < 0.26, `ratio ${ratio}`);
  full.dispose();
  half.dispose();
});

test('frozen_stages marks the stem and layers non-trainable and BN frozen', () => {
  const m = new ResNet(opts({ depth: 18, frozen_stages: 1 }));
  for (const [n, v] of m.namedParameters()) {
    const frozen = n.startsWith('conv1.') || n.startsWith('bn1.') || n.startsWith('layer1.');
    assert.equal(v.trainable, !frozen, n);
  }
  for (const [n, mod] of m.namedModules()) {
    if (mod instanceof BatchNorm2d) assert.equal(mod.mode, n === 'bn1' || n.startsWith('layer1.') ? 'frozen' : 'train', n);
  }
  const none = new ResNet(opts({ frozen_stages: -1 }));
  assert.equal(none.trainableParameters().length, none.namedParameters().length);
  const stem = new ResNet(opts({ frozen_stages: 0 }));
  assert.deepEqual(stem.namedParameters().filter(([, v]) => !v.trainable).map(([n]) => n), ['conv1.weight', 'bn1.weight', 'bn1.bias']);
  for (const x of [m, none, stem]) x.dispose();
});

test('norm options: norm_eval, FrozenBN and GN', () => {
  const ev = new ResNet(opts({ norm_eval: true }));
  assert.ok(ev.namedModules().every(([, x]) => !(x instanceof BatchNorm2d) || x.mode === 'eval'));
  assert.equal(ev.trainableParameters().length, ev.namedParameters().length);
  const fr = new ResNet(opts({ norm: { type: 'FrozenBN' } }));
  assert.ok(fr.namedModules().every(([, x]) => !(x instanceof BatchNorm2d) || x.mode === 'frozen'));
  assert.ok(fr.trainableParameters().every(([n]) => n.endsWith('conv1.weight') || n.endsWith('conv2.weight') || n.includes('downsample.0')));
  const gn = new ResNet(opts({ norm: { type: 'GN', num_groups: 32 } }));
  const gns = gn.namedModules().filter(([, x]) => x instanceof GroupNorm);
  assert.equal(gns.length, 1 + 8 * 2 + 3);
  assert.equal(gn.namedBuffers().length, 0);
  for (const x of [ev, fr, gn]) x.dispose();
});

test('torchvision init: kaiming_normal(fan_out, relu) convs, BN weight 1 bias 0', () => {
  const m = new ResNet(opts({ depth: 18 }));
  const params = new Map(m.namedParameters());
  const w = Array.from(params.get('layer3.0.conv2.weight')!.dataSync());
  const std = Math.sqrt(w.reduce((a, v) => a + v * v, 0) / w.length);
  const want = Math.sqrt(2 / (256 * 9));
  assert.ok(Math.abs(std - want) < 0.02 * want, `std ${std} vs ${want}`);
  assert.ok(params.get('layer3.0.bn2.weight')!.dataSync().every((v) => v === 1));
  assert.ok(params.get('layer3.0.bn2.bias')!.dataSync().every((v) => v === 0));
  m.dispose();
});

test('a training step: gradients reach every trainable parameter, frozen stages keep their BN statistics', () => {
  const m = new ResNet(opts({ depth: 18, frozen_stages: 1, out_indices: [2, 3] }));
  const buffers = new Map(m.namedBuffers().map(([n, v]) => [n, Array.from(v.dataSync())]));
  const x = tf.randomNormal([2, 32, 32, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
  const vars = m.trainableParameters();
  const tensorsBefore = tf.memory().numTensors;
  const { value, grads } = tf.variableGrads(() => tf.addN(m.forward(x).map((o) => tf.mean(tf.square(o)))) as tf.Scalar, vars.map(([, v]) => v));
  assert.deepEqual(Object.keys(grads).sort(), vars.map(([, v]) => v.name).sort());
  for (const [n, v] of vars) assert.ok(grads[v.name].dataSync().some((g) => g !== 0), `zero gradient for ${n}`);
  for (const [n, v] of m.namedBuffers()) {
    const changed = Array.from(v.dataSync()).some((a, i) => a !== buffers.get(n)![i]);
    assert.equal(changed, !(n.startsWith('bn1.') || n.startsWith('layer1.')), n);
  }
  value.dispose();
  tf.dispose(Object.values(grads));
  assert.equal(tf.memory().numTensors, tensorsBefore, 'the step (running-stat updates included) leaks nothing');
  m.eval();
  const before = m.namedBuffers().map(([, v]) => Array.from(v.dataSync()));
  m.forward(x);
  assert.deepEqual(m.namedBuffers().map(([, v]) => Array.from(v.dataSync())), before, 'eval mode leaves running stats alone');
  m.dispose();
});

test('invalid options are clear errors', () => {
  assert.throws(() => new ResNet(opts({ out_indices: [2, 1] })), /out_indices/);
  assert.throws(() => new ResNet(opts({ frozen_stages: 5 })), /frozen_stages/);
  assert.throws(() => new ResNet(opts({ depth: 26 as 18 })), /depth/);
});
