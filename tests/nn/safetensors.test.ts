import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tf, type Tensor } from '../../src/engine/tf.js';
import { initEngine } from '../../src/engine/init.js';
import { decodeSafetensors, halfToFloat, writeSafetensors } from '../../src/nn/safetensors.js';
import { stateToTorch } from '../../src/nn/torch_layout.js';
import { ResNet, type ResNetOptions } from '../../registry/backbones/resnet.js';

// wasm: the 11M-value transposes of a ResNet-18 are slow on the cpu backend.
await initEngine({ backend: 'wasm', log: false });

const dir = mkdtempSync(join(tmpdir(), 'detlab-nn-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

/** Builds safetensors bytes by hand: header JSON then raw bytes, independent of the encoder. */
function handMade(header: Record<string, unknown>, data: number[]): Uint8Array {
  const json = Buffer.from(JSON.stringify(header));
  const head = Buffer.alloc(8);
  head.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([head, json, Buffer.from(data)]);
}

test('decodes F16, BF16, F64, I64 and BOOL written by hand', () => {
  const bytes = handMade(
    {
      __metadata__: { format: 'pt' },
      h: { dtype: 'F16', shape: [5], data_offsets: [0, 10] },
      b: { dtype: 'BF16', shape: [2], data_offsets: [10, 14] },
      d: { dtype: 'F64', shape: [1], data_offsets: [14, 22] },
      i: { dtype: 'I64', shape: [2], data_offsets: [22, 38] },
      m: { dtype: 'BOOL', shape: [2], data_offsets: [38, 40] },
    },
    [
      0x00, 0x3c, 0x00, 0xc0, 0xff, 0x7b, 0x01, 0x00, 0x00, 0x7c, // F16 1, -2, 65504, 2^-24, inf
      0x80, 0x3f, 0x49, 0x40, // BF16 1, 3.140625
      ...Buffer.from(new Float64Array([0.1]).buffer), // F64
      ...Buffer.from(new BigInt64Array([-3n, 7n]).buffer), // I64
      1, 0,
    ],
  );
  const { tensors, metadata } = decodeSafetensors(bytes, 'hand.safetensors');
  assert.deepEqual(metadata, { format: 'pt' });
  assert.deepEqual(Array.from(tensors.get('h')!.dataSync()), [1, -2, 65504, 2 ** -24, Infinity]);
  assert.deepEqual(Array.from(tensors.get('b')!.dataSync()), [1, 3.140625]);
  assert.equal(tensors.get('d')!.dataSync()[0], Math.fround(0.1));
  assert.equal(tensors.get('i')!.dtype, 'int32');
  assert.deepEqual(Array.from(tensors.get('i')!.dataSync()), [-3, 7]);
  assert.equal(tensors.get('m')!.dtype, 'bool');
  assert.ok(Number.isNaN(halfToFloat(0x7e00)));
});

test('malformed files are errors naming the source', () => {
  assert.throws(() => decodeSafetensors(new Uint8Array(4), 'x.safetensors'), /x\.safetensors: too short/);
  const bad = handMade({ w: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, [0, 0, 0, 0, 0, 0, 0, 0]);
  assert.throws(() => decodeSafetensors(bad, 'y.safetensors'), /y\.safetensors: tensor 'w' \(F32 \[3\]\) has data_offsets \[0, 8\]/);
  const big = handMade({ w: { dtype: 'I64', shape: [1], data_offsets: [0, 8] } }, [...Buffer.from(new BigInt64Array([2n ** 40n]).buffer)]);
  assert.throws(() => decodeSafetensors(big, 'z'), /outside the int32 range/);
  assert.throws(() => decodeSafetensors(handMade({ w: { dtype: 'C64', shape: [], data_offsets: [0, 8] } }, []), 'c'), /unsupported dtype C64/);
});

test('write/read round trip keeps order, dtypes, values and 8-byte alignment', () => {
  const src = new Map<string, Tensor>([
    ['a.weight', tf.randomNormal([2, 3, 4])],
    ['a.count', tf.tensor1d([1, -2, 3], 'int32')],
    ['scalar', tf.scalar(0.5)],
    ['mask', tf.tensor1d([true, false], 'bool')],
  ]);
  const path = join(dir, 'round_trip.safetensors');
  writeSafetensors(path, src, { note: 'détlab' });
  const bytes = readFileSync(path);
  assert.equal(Number(bytes.readBigUInt64LE(0)) % 8, 0);
  const { tensors, metadata } = decodeSafetensors(bytes);
  assert.deepEqual(metadata, { note: 'détlab' });
  assert.deepEqual([...tensors.keys()], [...src.keys()]);
  for (const [k, t] of src) {
    assert.equal(tensors.get(k)!.dtype, t.dtype, k);
    assert.deepEqual(tensors.get(k)!.shape, t.shape, k);
    assert.deepEqual(Array.from(tensors.get(k)!.dataSync()), Array.from(t.dataSync()), k);
  }
});

const r18 = (checkpoint: string | null): ResNet =>
  new ResNet({ depth: 18, in_channels: 3, out_indices: [3], frozen_stages: -1, norm: { type: 'BN' }, norm_eval: false, base_channels: 64, init: { checkpoint } } satisfies ResNetOptions);

/** Uniform values in [-1, 1) from a 32-bit LCG (tfjs' random ops are slow for 11M values). */
function pseudoRandom(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let x = seed >>> 0;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    out[i] = x / 2 ** 31 - 1;
  }
  return out;
}

function sameValues(a: Tensor, b: Tensor, what: string): void {
  assert.deepEqual(a.shape, b.shape, what);
  const x = a.dataSync();
  const y = b.dataSync();
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) assert.fail(`${what}[${i}]: ${x[i]} vs ${y[i]}`);
}

/** Random torchvision-layout weights for ResNet-18, with fc and num_batches_tracked as torchvision has. */
function randomTorchvisionState(): Map<string, Tensor> {
  const shapes = r18(null);
  const state = new Map<string, Tensor>();
  let seed = 10;
  for (const [k, t] of stateToTorch(shapes)) {
    const values = pseudoRandom(t.size, seed++);
    state.set(k, tf.tensor(k.endsWith('running_var') ? values.map((v) => v + 1.5) : values, t.shape));
    if (k.endsWith('running_var')) state.set(k.replace('running_var', 'num_batches_tracked'), tf.scalar(7, 'int32'));
  }
  state.set('fc.weight', tf.tensor(pseudoRandom(512_000, 1), [1000, 512]));
  state.set('fc.bias', tf.zeros([1000]));
  shapes.dispose();
  return state;
}

test('a ResNet-18 loads a torchvision-layout safetensors file exactly', () => {
  const state = randomTorchvisionState();
  const path = join(dir, 'r18.safetensors');
  writeSafetensors(path, state);
  const model = r18(path);
  const loaded = stateToTorch(model);
  assert.equal(loaded.size, [...state.keys()].filter((k) => !k.startsWith('fc.') && !k.endsWith('num_batches_tracked')).length);
  for (const [k, t] of loaded) {
    const want = state.get(k);
    assert.ok(want !== undefined, k);
    sameValues(t, want, k);
  }
  // conv weights are HWIO inside: OIHW [64, 3, 7, 7] became [7, 7, 3, 64]
  assert.deepEqual(model.namedParameters()[0][1].shape, [7, 7, 3, 64]);
});

test('missing, unexpected and mis-shaped keys are one error listing them and the file', () => {
  const state = randomTorchvisionState();
  state.delete('layer1.0.bn1.running_mean');
  state.set('layer5.0.conv1.weight', tf.zeros([1]));
  state.set('conv1.weight', tf.zeros([64, 3, 3, 3]));
  const path = join(dir, 'bad.safetensors');
  writeSafetensors(path, state);
  assert.throws(
    () => r18(path),
    (e: Error) =>
      e.message.startsWith(path) &&
      /missing keys: layer1\.0\.bn1\.running_mean/.test(e.message) &&
      /unexpected keys: layer5\.0\.conv1\.weight/.test(e.message) &&
      /conv1\.weight: checkpoint \[3, 3, 3, 64\] vs model \[7, 7, 3, 64\]/.test(e.message),
  );
  assert.throws(() => r18(join(dir, 'absent.safetensors')), /cannot read safetensors file .*absent\.safetensors/);
});
