import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initEngine } from '../../src/engine/init.js';
import { tf, type Tensor3D, type Tensor4D } from '../../src/engine/tf.js';
import { BatchNorm2d } from '../../src/nn/batch_norm.js';
import { Conv2d } from '../../src/nn/conv2d.js';
import { countFlops, formatFlopTable } from '../../src/nn/flops.js';
import { GroupNorm } from '../../src/nn/group_norm.js';
import { Linear } from '../../src/nn/linear.js';
import { Module } from '../../src/nn/module.js';
import { ModuleList } from '../../src/nn/module_list.js';
import { MultiheadAttention } from '../../src/nn/multihead_attention.js';
import { ResNet } from '../../registry/backbones/resnet.js';
import flopsCommand from '../../src/cli/commands/flops.js';

// wasm: full ResNet forwards at 224x224 take tens of seconds on the cpu backend.
await initEngine({ backend: 'wasm', log: false });

const resnet = (depth: 18 | 50): ResNet =>
  new ResNet({ depth, in_channels: 3, out_indices: [3], frozen_stages: -1, norm: { type: 'BN' }, norm_eval: true, base_channels: 64, init: { checkpoint: null } });

class Toy extends Module {
  readonly conv = this.child('conv', new Conv2d(3, 4, { kernelSize: 3, padding: 1 }));
  readonly bn = this.child('bn', new BatchNorm2d(4));
  readonly lin = new Linear(4, 2);
  readonly gn = new GroupNorm(1, 2);
  readonly head = this.child('head', new ModuleList<Module>([this.lin, this.gn]));
  readonly attn = this.child('attn', new MultiheadAttention(4, 2));

  forward(x: Tensor4D, q: Tensor3D): void {
    const f = this.bn.forward(this.conv.forward(x));
    const tokens = tf.reshape(f, [1, 25, 4]) as Tensor3D;
    const y = this.lin.forward(tokens);
    this.gn.forward(tf.reshape(y, [1, 5, 5, 2]) as Tensor4D);
    this.lin.forward(tokens); // a shared layer applied twice counts twice
    this.attn.forward(q, tf.slice(tokens, [0, 0, 0], [1, 5, 4]) as Tensor3D, tf.slice(tokens, [0, 0, 0], [1, 5, 4]) as Tensor3D);
  }
}

test('hand-computed FLOPs per layer kind and per subtree', () => {
  const toy = new Toy();
  const report = countFlops(toy, () => toy.forward(tf.zeros([1, 5, 5, 3]) as Tensor4D, tf.zeros([1, 3, 4]) as Tensor3D));
  const row = (name: string) => report.modules.find((m) => m.name === name)!;
  assert.equal(row('conv').flops, 25 * 4 * 27); // outputs x out channels x (in/groups * kh * kw)
  assert.equal(row('bn').flops, 100); // one per element
  assert.equal(row('head.0').flops, 2 * 25 * 4 * 2);
  assert.equal(row('head.1').flops, 50);
  assert.equal(row('head').flops, 450);
  // projections N·L·E² + 2·N·S·E² and products 2·N·L·S·E, then out_proj N·L·E²
  assert.equal(row('attn.out_proj').flops, 3 * 16);
  assert.equal(row('attn').flops, 3 * 16 + 2 * 5 * 16 + 2 * 3 * 5 * 4 + 3 * 16);
  assert.equal(report.totalFlops, 2700 + 100 + 450 + 376);
  assert.deepEqual(row('').byKind, { conv: 2700, linear: 400 + 48, norm: 150, attention: 328 });
  assert.equal(row('head').params, 4 * 2 + 2 + 2 + 2);
  assert.equal(report.totalParams, toy.numParameters());
  assert.equal(report.records.length, 7);
  const table = formatFlopTable(report, 0);
  assert.match(table, /^module\s+type\s+params\s+GFLOPs\s+%$/m);
  assert.match(table, /^total\s+\S+\s+0\.000\s+100\.0$/m);
});

test('a shape-only trace counts exactly what the real forward counts', () => {
  const toy = new Toy();
  const run = (): void => toy.forward(tf.zeros([1, 5, 5, 3]) as Tensor4D, tf.zeros([1, 3, 4]) as Tensor3D);
  const strip = (r: ReturnType<typeof countFlops>) => r.records.map((x) => [x.module.constructor.name, x.flops, x.outputShape]);
  assert.deepEqual(strip(countFlops(toy, run)), strip(countFlops(toy, run, { shapesOnly: false })));
  const m = resnet(18);
  const odd = (): void => {
    m.forward(tf.zeros([1, 37, 53, 3]) as Tensor4D);
  };
  assert.deepEqual(strip(countFlops(m, odd)), strip(countFlops(m, odd, { shapesOnly: false })));
  m.setTrainable(false);
  assert.equal(countFlops(m, odd).trainableParams, 0);
  m.dispose();
});

test('layers outside the counted model are an error', () => {
  const toy = new Toy();
  const stranger = new Conv2d(3, 1, { kernelSize: 1 });
  assert.throws(() => countFlops(toy, () => stranger.forward(tf.zeros([1, 2, 2, 3]) as Tensor4D)), /outside the model \(Conv2d\)/);
});

test('counting frees the traced forward', () => {
  const toy = new Toy();
  const before = tf.memory().numTensors;
  countFlops(toy, () => toy.forward(tf.zeros([1, 5, 5, 3]) as Tensor4D, tf.zeros([1, 3, 4]) as Tensor3D));
  assert.equal(tf.memory().numTensors, before);
});

test('ResNet-18 and ResNet-50 at 224x224 match torchvision (1.81 and 4.09 GFLOPs with fc)', () => {
  for (const [depth, fcIn, torchvision] of [[18, 512, 1.814], [50, 2048, 4.089]] as const) {
    const m = resnet(depth);
    const r = countFlops(m, () => m.forward(tf.zeros([1, 224, 224, 3]) as Tensor4D));
    const convAndFc = (r.modules[0].byKind.conv + fcIn * 1000) / 1e9;
    assert.ok(Math.abs(convAndFc - torchvision) < 0.001, `ResNet-${depth} conv+fc ${convAndFc} vs ${torchvision}`);
    // with BN (one FLOP per element) the total stays within 0.5 % of torchvision's figure
    assert.ok(Math.abs(r.totalFlops / 1e9 - torchvision) / torchvision < 0.005, `ResNet-${depth} total ${r.totalFlops / 1e9}`);
    m.dispose();
  }
});

test('detlab flops prints the deployed model per module', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'detlab-flops-'));
  try {
    const cfg = join(dir, 'fcos.yaml');
    writeFileSync(
      cfg,
      [
        'model:',
        '  type: FCOS',
        '  backbone: {type: ResNet, depth: 18, out_indices: [1, 2, 3]}',
        '  neck: {type: FPN, in_channels: [128, 256, 512], out_channels: 256, start_level: 0, add_extra_convs: on_output, num_outs: 5, relu_before_extra_convs: true}',
        'engine: {backend: wasm}',
      ].join('\n'),
    );
    const lines: string[] = [];
    const log = console.log;
    console.log = (s: string) => lines.push(s);
    try {
      assert.equal(await flopsCommand.run([cfg, '--input', '64x96']), 0);
    } finally {
      console.log = log;
    }
    const text = lines.join('\n');
    const backboneRow = /^backbone\s+ResNet\s+([\d,]+)\s+([\d.]+)/m.exec(text);
    assert.ok(backboneRow !== null, text);
    const alone = resnet(18);
    const r = countFlops(alone, () => alone.forward(tf.zeros([1, 64, 96, 3]) as Tensor4D));
    assert.equal(Number(backboneRow[1].replace(/,/g, '')), 11_176_512);
    assert.equal(backboneRow[2], (r.totalFlops / 1e9).toFixed(3));
    assert.match(text, /^neck\s+FPN/m);
    assert.match(text, /^head\s+\S+/m);
    assert.match(text, /input 1x64x96x3 \(NHWC\), wasm; params [\d.]+ M \([\d.]+ M trainable\), [\d.]+ GFLOPs/);
    await assert.rejects(flopsCommand.run([cfg, '--input', '64by96']), /--input: expected HEIGHTxWIDTH/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
