/**
 * LabelEnc's FPN as the official code (maskrcnn-benchmark) builds it:
 * LastLevelP6P7's P7 = conv(relu(P6)) and Caffe2's XavierFill
 * (kaiming_uniform_(a=1)) on every conv, both as FPN options that the
 * LabelEnc default and the shipped LabelEnc configs use.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import fg from 'fast-glob';
import { tf, type Tensor4D } from '../../src/engine/tf.js';
import { ConvModule } from '../../src/nn/conv_module.js';
import { loadValidatedConfig } from '../../src/registry/load_validated.js';
import { FPN, type FPNOptions } from '../../registry/necks/fpn.js';
import { LabelEnc } from '../../registry/supervisors/labelenc.js';

await tf.setBackend('cpu');

const REPO = resolve(fileURLToPath(import.meta.url), '../../../..');
const DEFAULT_NECK = LabelEnc.schema.properties.neck.default as FPNOptions & { type: string };

/** LabelEnc's default h-FPN, narrowed to `inChannels` → `out` channels. */
function labelEncFpn(over: Partial<FPNOptions>): FPN {
  const { type, ...options } = DEFAULT_NECK;
  assert.equal(type, 'FPN');
  return new FPN({ ...options, in_channels: [8, 16, 32, 64], out_channels: 8, ...over });
}

test("LabelEnc's default FPN: ReLU before P7 and the c2_xavier init (the official code's)", () => {
  assert.equal(DEFAULT_NECK.relu_before_extra_convs, true);
  assert.equal(DEFAULT_NECK.init, 'c2_xavier');
  assert.equal(DEFAULT_NECK.add_extra_convs, 'on_input');
});

test('relu_before_extra_convs: a P6 with negative values gives P7 = conv(relu(P6)) on, conv(P6) off', () => {
  const on = labelEncFpn({});
  const off = labelEncFpn({ relu_before_extra_convs: false });
  const state = on.stateDict();
  const w7 = state.get('fpn_convs.4.conv.weight')!;
  const b7 = state.get('fpn_convs.4.conv.bias')!;
  b7.assign(tf.randomNormal(b7.shape, 0, 0.1, 'float32', 3));
  off.loadStateDict(state);
  const feats = [64, 32, 16, 8].map((s, i) => tf.randomNormal([1, s, s, [8, 16, 32, 64][i]], 0, 1, 'float32', 10 + i) as Tensor4D);
  const outsOn = on.forward(feats);
  const outsOff = off.forward(feats);
  const p6 = outsOn[3];
  assert.deepEqual(p6.shape, [1, 4, 4, 8]);
  assert.ok(tf.min(p6).dataSync()[0] < -0.1, 'P6 has negative values');
  assert.deepEqual(Array.from(outsOff[3].dataSync()), Array.from(p6.dataSync()), 'P6 itself does not depend on the option');
  const pad: [[number, number], [number, number], [number, number], [number, number]] = [[0, 0], [1, 1], [1, 1], [0, 0]];
  const byHand = (x: Tensor4D): Tensor4D => tf.add(tf.conv2d(x, w7 as unknown as tf.Tensor4D, 2, pad), b7);
  const maxDiff = (a: tf.Tensor, b: tf.Tensor): number => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0];
  assert.ok(maxDiff(outsOn[4], byHand(tf.relu(p6))) < 1e-5, `on: P7 = conv(relu(P6)), off by ${maxDiff(outsOn[4], byHand(tf.relu(p6)))}`);
  assert.ok(maxDiff(outsOff[4], byHand(p6)) < 1e-5, 'off: P7 = conv(P6)');
  assert.ok(maxDiff(outsOn[4], outsOff[4]) > 0.05, 'the two P7 differ');
  tf.dispose([...feats, ...outsOn, ...outsOff]);
  on.dispose();
  off.dispose();
});

test("init: 'c2_xavier' draws U(±√(3/fan_in)) (kaiming_uniform a=1), 'mmdet' U(±√(6/(fan_in+fan_out))); biases zero", () => {
  const wide = { in_channels: [64, 128, 256, 512], out_channels: 64 };
  const bounds = {
    c2_xavier: (fanIn: number) => Math.sqrt(3 / fanIn),
    mmdet: (fanIn: number, fanOut: number) => Math.sqrt(6 / (fanIn + fanOut)),
  };
  let distinct = 0;
  for (const init of ['c2_xavier', 'mmdet'] as const) {
    const net = labelEncFpn({ ...wide, init });
    const convs = net.namedModules().filter((e): e is [string, ConvModule] => e[1] instanceof ConvModule);
    assert.equal(convs.length, 3 + 3 + 2, 'laterals, outputs, P6 and P7');
    for (const [name, { conv }] of convs) {
      const bound = bounds[init](conv.fanIn, conv.fanOut);
      const v = conv.weight.dataSync();
      let max = 0;
      let sq = 0;
      for (const x of v) {
        max = Math.max(max, Math.abs(x));
        sq += x * x;
      }
      const std = Math.sqrt(sq / v.length);
      assert.ok(max <= bound * (1 + 1e-6) && max > 0.98 * bound, `${init} ${name}: max |w| ${max} against the bound ${bound}`);
      assert.ok(Math.abs(std / (bound / Math.sqrt(3)) - 1) < 0.05, `${init} ${name}: std ${std} against ${bound / Math.sqrt(3)}`);
      assert.ok(conv.bias!.dataSync().every((x) => x === 0), `${init} ${name}: zero bias`);
      if (init === 'c2_xavier' && Math.abs(bound / bounds.mmdet(conv.fanIn, conv.fanOut) - 1) > 0.1) distinct++;
    }
    net.dispose();
  }
  assert.ok(distinct >= 3, `the two formulas differ on ${distinct} convs (laterals, P6), so the checks tell them apart`);
});

test("the shipped LabelEnc configs use the official FPN for h and for the detector (Step 2 starts one from the other)", async () => {
  const files = await fg('configs/labelenc/*.yaml', { cwd: REPO });
  assert.ok(files.length >= 12, `found ${files.length} configs`);
  for (const file of files) {
    const { config } = await loadValidatedConfig(resolve(REPO, file));
    const model = config.model as { neck: Record<string, unknown>; supervisors: { neck: Record<string, unknown> }[] };
    for (const [which, neck] of [['h', model.supervisors[0].neck], ['detector', model.neck]] as const) {
      assert.equal(neck.relu_before_extra_convs, true, `${file}: ${which}'s FPN ReLU before P7`);
      assert.equal(neck.init, 'c2_xavier', `${file}: ${which}'s FPN init`);
    }
  }
});
