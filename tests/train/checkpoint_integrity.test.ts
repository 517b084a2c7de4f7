import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tf, type Tensor } from '../../src/engine/tf.js';
import { readSafetensors } from '../../src/nn/safetensors.js';
import {
  CHECKPOINT_FORMAT,
  checkpointDamage,
  checkpointName,
  listCheckpoints,
  loadCheckpoint,
  newestIntactCheckpoint,
  pruneCheckpoints,
  readCheckpointState,
  removeUnfinishedSaves,
  saveCheckpoint,
  verifyCheckpoint,
} from '../../src/train/checkpoint.js';
import { checkpointState } from './checkpoint_state.js';

function withDir(body: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'detlab-ckpt-integrity-'));
  try {
    body(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function save(dir: string, iter: number, value = iter): string {
  const w = tf.tensor1d([value, value + 1]);
  try {
    return saveCheckpoint(dir, checkpointName(iter), new Map<string, Tensor>([['model/w', w]]), checkpointState(iter));
  } finally {
    w.dispose();
  }
}

/** Flips one byte of a file in place, keeping its length. */
function flipByte(path: string, at: number): void {
  const bytes = readFileSync(path);
  bytes[at] ^= 0xff;
  writeFileSync(path, bytes);
}

const sha = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

test('checkpoint names: iteration checkpoints are zero-padded to six digits so they sort by iteration; a tag names itself', () => {
  assert.equal(checkpointName(50), 'iter_000050');
  assert.equal(checkpointName(1234567), 'iter_1234567');
  assert.equal(checkpointName(50, 'best'), 'best');
});

test("a saved tensors file carries the checkpoint format in its metadata; saving a name again replaces it and leaves nothing aside", () => {
  withDir((dir) => {
    save(dir, 10, 1);
    const again = save(dir, 10, 5);
    assert.deepEqual(readSafetensors(join(again, 'tensors.safetensors')).metadata, { format: CHECKPOINT_FORMAT });
    assert.deepEqual(readdirSync(dir), ['iter_000010'], 'the replaced checkpoint is removed, no temporary left');
    const loaded = loadCheckpoint(again);
    assert.deepEqual(Array.from(loaded.tensors.get('model/w')!.dataSync()), [5, 6]);
    tf.dispose([...loaded.tensors.values()]);
  });
});

test('a save that fails midway leaves neither a checkpoint nor its temporary directory', () => {
  withDir((dir) => {
    const w = tf.tensor1d([1, 2]);
    w.dispose();
    assert.throws(() => saveCheckpoint(dir, 'iter_000001', new Map([['model/w', w]]), checkpointState(1)), /disposed/);
    assert.deepEqual(readdirSync(dir), []);
  });
});

test('checkpointDamage names a missing file and a changed one with both sizes and digests; an intact checkpoint has none', () => {
  withDir((dir) => {
    const ckpt = save(dir, 4);
    const tensors = join(ckpt, 'tensors.safetensors');
    const recorded = readCheckpointState(ckpt);
    assert.equal(checkpointDamage(ckpt, recorded), undefined);
    const want = sha(tensors);
    const bytes = readFileSync(tensors).length;
    flipByte(tensors, bytes - 1);
    const got = sha(tensors);
    assert.equal(checkpointDamage(ckpt, recorded), `${tensors}: damaged (${bytes} bytes with sha256 ${got.slice(0, 12)}…, state.json records ${bytes} bytes with ${want.slice(0, 12)}…)`);
    rmSync(tensors);
    assert.equal(checkpointDamage(ckpt, recorded), `${tensors}: missing`);
    assert.equal(checkpointDamage(ckpt, { ...recorded, files: undefined }), undefined, 'a checkpoint written before digests were recorded has nothing to check');
  });
});

test('the newest intact checkpoint of a run skips the damaged one, the one asked about, and a torn state.json', () => {
  withDir((dir) => {
    const [c10, c20, c30, c40] = [10, 20, 30, 40].map((i) => save(dir, i));
    assert.equal(newestIntactCheckpoint(c40), c30, 'the newest other than itself');
    assert.equal(newestIntactCheckpoint(c10), c40);
    flipByte(join(c30, 'tensors.safetensors'), 0);
    writeFileSync(join(c20, 'state.json'), '{"format": "detlab-chec');
    assert.equal(newestIntactCheckpoint(c40), c10);
    rmSync(c10, { recursive: true });
    assert.equal(newestIntactCheckpoint(c40), undefined);
  });
});

test('a damaged checkpoint is refused with the damage and where the run can resume from, or that it cannot', () => {
  withDir((dir) => {
    const c10 = save(dir, 10);
    const c20 = save(dir, 20);
    const tensors = join(c20, 'tensors.safetensors');
    flipByte(tensors, readFileSync(tensors).length - 1);
    const hint = `; the newest intact checkpoint of the run is ${c10}: move ${c20} aside and resume the run, which then continues from it`;
    assert.throws(() => verifyCheckpoint(c20), (err: Error) => err.message.startsWith(`${tensors}: damaged (`) && err.message.endsWith(hint));
    assert.throws(() => loadCheckpoint(c20), (err: Error) => err.message.endsWith(hint));
    writeFileSync(join(c20, 'state.json'), '{"iter": 2');
    assert.throws(() => readCheckpointState(c20), (err: Error) => err.message.startsWith(`${join(c20, 'state.json')}: damaged (`) && err.message.endsWith(hint));
    flipByte(join(c10, 'tensors.safetensors'), 0);
    assert.throws(() => readCheckpointState(c20), (err: Error) => err.message.endsWith('; the run has no other intact checkpoint'));
  });
});

test('a tensors file that matches no digest record but cannot be parsed is refused naming it', () => {
  withDir((dir) => {
    const ckpt = save(dir, 3);
    const legacy = { ...readCheckpointState(ckpt) };
    delete legacy.files;
    writeFileSync(join(ckpt, 'state.json'), JSON.stringify(legacy));
    writeFileSync(join(ckpt, 'tensors.safetensors'), 'not safetensors');
    assert.throws(() => loadCheckpoint(ckpt), (err: Error) => err.message.startsWith(`${join(ckpt, 'tensors.safetensors')}: cannot be read (`) && err.message.endsWith('; the run has no other intact checkpoint'));
  });
});

test('a killed save is cleaned up: temporaries removed, a checkpoint moved aside put back unless its replacement landed', () => {
  withDir((dir) => {
    assert.deepEqual(removeUnfinishedSaves(join(dir, 'missing')), []);
    save(dir, 10);
    mkdirSync(join(dir, '.iter_000020.tmp-123-abc'));
    writeFileSync(join(dir, '.iter_000020.tmp-123-abc', 'tensors.safetensors'), 'partial');
    // iter_000030 was moved aside and its replacement never renamed into place: the old one comes back.
    const c30 = save(dir, 30);
    renameSync(c30, join(dir, '.iter_000030.tmp-77-0f.old'));
    // iter_000010 was replaced and its old copy not yet removed: the old copy goes.
    mkdirSync(join(dir, '.iter_000010.tmp-5-ab.old'));
    // Names that only look like leftovers are not touched.
    for (const keep of ['.iter_000040.tmp-x-ab', 'x.iter_000050.tmp-1-ab', '.iter_000060.tmp-1-xyz', '.iter_000070.tmp-1-ab.older']) mkdirSync(join(dir, keep));
    assert.deepEqual(removeUnfinishedSaves(dir).sort(), ['.iter_000010.tmp-5-ab.old', '.iter_000020.tmp-123-abc']);
    assert.deepEqual(readdirSync(dir).sort(), ['.iter_000040.tmp-x-ab', '.iter_000060.tmp-1-xyz', '.iter_000070.tmp-1-ab.older', 'iter_000010', 'iter_000030', 'x.iter_000050.tmp-1-ab']);
    assert.equal(verifyCheckpoint(join(dir, 'iter_000030')).iter, 30);
  });
});

test('listing: only iter_<digits> directories with a state.json, in iteration order whatever the order on disk', () => {
  withDir((dir) => {
    assert.deepEqual(listCheckpoints(join(dir, 'missing')), []);
    const iters = [700, 30, 5000, 1, 90, 400, 12, 65, 2, 810, 47, 300];
    for (const i of iters) {
      mkdirSync(join(dir, checkpointName(i)));
      writeFileSync(join(dir, checkpointName(i), 'state.json'), '{}');
    }
    for (const other of ['best', 'xiter_000003', 'iter_000004.bak', 'iter_']) {
      mkdirSync(join(dir, other));
      writeFileSync(join(dir, other, 'state.json'), '{}');
    }
    mkdirSync(join(dir, 'iter_000005'));
    assert.deepEqual(
      listCheckpoints(dir).map((d) => d.slice(dir.length + 1)),
      [...iters].sort((a, b) => a - b).map((i) => checkpointName(i)),
    );
    assert.deepEqual(pruneCheckpoints(dir, 10), ['iter_000001', 'iter_000002']);
    assert.ok(!existsSync(join(dir, 'iter_000001')) && !existsSync(join(dir, 'iter_000002')));
  });
});

test('saving and loading leave no file descriptor open', () => {
  withDir((dir) => {
    const open = (): number => readdirSync('/proc/self/fd').length;
    const before = open();
    for (const i of [1, 2, 3]) save(dir, i);
    const loaded = loadCheckpoint(join(dir, 'iter_000002'));
    tf.dispose([...loaded.tensors.values()]);
    assert.equal(open(), before);
  });
});
