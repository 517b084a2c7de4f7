import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tf, type Tensor } from '../../src/engine/tf.js';
import { CHECKPOINT_FORMAT, latestCheckpoint, listCheckpoints, loadCheckpoint, pruneCheckpoints, saveCheckpoint } from '../../src/train/checkpoint.js';
import { checkpointState } from './checkpoint_state.js';

test('checkpoints round-trip tensors and state; half-written ones are never listed; pruning keeps the newest and best', () => {
  const dir = mkdtempSync(join(tmpdir(), 'detlab-ckpt-'));
  try {
    const w = tf.tensor2d([[1, 2], [3, 4]]);
    const idx = tf.tensor1d([7, 8], 'int32');
    for (const iter of [10, 20, 30]) saveCheckpoint(dir, `iter_${String(iter).padStart(6, '0')}`, new Map<string, Tensor>([['model/w', w], ['optim/main/w#momentum', idx]]), checkpointState(iter));
    saveCheckpoint(dir, 'best', new Map([['model/w', w]]), checkpointState(20));
    // The leftovers of a save killed midway: a temporary directory, and a directory without state.json.
    mkdirSync(join(dir, '.iter_000040.tmp-123-abcdef'));
    mkdirSync(join(dir, 'iter_000050'));
    writeFileSync(join(dir, 'iter_000050', 'tensors.safetensors'), 'partial');
    assert.deepEqual(listCheckpoints(dir).map((d) => d.slice(dir.length + 1)), ['iter_000010', 'iter_000020', 'iter_000030']);
    assert.equal(latestCheckpoint(dir), join(dir, 'iter_000030'));

    saveCheckpoint(dir, 'iter_000030', new Map([['model/w', tf.tensor2d([[5, 6], [7, 8]])]]), checkpointState(30));
    const loaded = loadCheckpoint(join(dir, 'iter_000030'));
    assert.deepEqual(Array.from(loaded.tensors.get('model/w')!.dataSync()), [5, 6, 7, 8], 'a re-save replaces the checkpoint whole');
    assert.equal(loaded.tensors.size, 1);
    const { files, ...recorded } = loaded.state;
    assert.deepEqual(recorded, checkpointState(30));
    const bytes = readFileSync(join(dir, 'iter_000030', 'tensors.safetensors'));
    assert.deepEqual(files, { 'tensors.safetensors': { sha256: createHash('sha256').update(bytes).digest('hex'), bytes: bytes.length } }, 'state.json records the digest of the tensors file');
    tf.dispose([...loaded.tensors.values()]);

    const first = loadCheckpoint(join(dir, 'iter_000010'));
    assert.deepEqual(Array.from(first.tensors.get('optim/main/w#momentum')!.dataSync()), [7, 8]);
    assert.equal(first.tensors.get('optim/main/w#momentum')!.dtype, 'int32');
    tf.dispose([...first.tensors.values()]);

    assert.deepEqual(pruneCheckpoints(dir, 2), ['iter_000010']);
    assert.ok(readdirSync(dir).includes('best'));
    assert.throws(() => loadCheckpoint(join(dir, 'iter_000050')), /is not a detlab checkpoint \(no state.json\)/);
    tf.dispose([w, idx]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('pruning: keep 0 keeps every checkpoint, keep k the newest k; best and half-written ones are never pruned', () => {
  const dir = mkdtempSync(join(tmpdir(), 'detlab-ckpt-'));
  try {
    const w = tf.tensor1d([1, 2]);
    for (const iter of [5, 10, 15, 20]) saveCheckpoint(dir, `iter_${String(iter).padStart(6, '0')}`, new Map([['model/w', w]]), checkpointState(iter));
    saveCheckpoint(dir, 'best', new Map([['model/w', w]]), checkpointState(10));
    mkdirSync(join(dir, 'iter_000025'));
    const names = () => readdirSync(dir).sort();
    const all = ['best', 'iter_000005', 'iter_000010', 'iter_000015', 'iter_000020', 'iter_000025'];
    assert.deepEqual(pruneCheckpoints(dir, 0), []);
    assert.deepEqual(names(), all);
    assert.deepEqual(pruneCheckpoints(dir, 4), []);
    assert.deepEqual(pruneCheckpoints(dir, 9), []);
    assert.deepEqual(names(), all);
    assert.deepEqual(pruneCheckpoints(dir, 3), ['iter_000005']);
    assert.deepEqual(pruneCheckpoints(dir, 1), ['iter_000010', 'iter_000015']);
    assert.deepEqual(names(), ['best', 'iter_000020', 'iter_000025']);
    assert.equal(latestCheckpoint(dir), join(dir, 'iter_000020'));
    assert.deepEqual(pruneCheckpoints(join(dir, 'missing'), 1), []);
    tf.dispose(w);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a checkpoint of another format is refused with its path and both formats', () => {
  const dir = mkdtempSync(join(tmpdir(), 'detlab-ckpt-'));
  try {
    const w = tf.tensor1d([1]);
    const saved = saveCheckpoint(dir, 'iter_000001', new Map([['model/w', w]]), { ...checkpointState(1), format: 'detlab-checkpoint/0' as typeof CHECKPOINT_FORMAT });
    assert.throws(() => loadCheckpoint(saved), (err: Error) => {
      assert.equal(err.message, `${join(saved, 'state.json')}: format 'detlab-checkpoint/0', expected 'detlab-checkpoint/1'`);
      return true;
    });
    assert.deepEqual(readdirSync(dir), ['iter_000001'], 'no temporary directory is left behind');
    tf.dispose(w);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
