import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createRunDir, latestRunWithCheckpoint, newRunId } from '../../src/train/work_dir.js';

const workDirModule = pathToFileURL(join(import.meta.dirname, '../../src/train/work_dir.js')).href;

function runChild(code: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (status) => (status === 0 ? resolve(out) : reject(new Error(`child exited ${status}: ${err}`))));
  });
}

test('run ids never collide: 8 processes started at once, each creating 25 run dirs', async () => {
  const root = mkdtempSync(join(tmpdir(), 'detlab-runs-'));
  try {
    const code = `import { createRunDir } from ${JSON.stringify(workDirModule)};
      const ids = []; for (let i = 0; i < 25; i++) ids.push(createRunDir(${JSON.stringify(root)}, 'retinanet_r18_fpn_demo_shapes').runId);
      console.log(ids.join('\\n'));`;
    const outputs = await Promise.all(Array.from({ length: 8 }, () => runChild(code)));
    const ids = outputs.flatMap((o) => o.trim().split('\n'));
    assert.equal(ids.length, 200);
    assert.equal(new Set(ids).size, 200, 'every id is distinct');
    const dirs = readdirSync(join(root, 'retinanet_r18_fpn_demo_shapes'));
    assert.deepEqual(dirs.sort(), [...ids].sort(), 'every id owns exactly one directory');
    for (const d of dirs) assert.ok(statSync(join(root, 'retinanet_r18_fpn_demo_shapes', d, 'checkpoints')).isDirectory());
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('run ids sort by start time and carry the pid; bad config names are refused', () => {
  const a = newRunId(new Date('2026-11-22T03:53:00Z'));
  assert.match(a, new RegExp(`^20261122-035300-${process.pid}-[0-9a-f]{8}$`));
  assert.throws(() => createRunDir(tmpdir(), '../escape'), /cannot name a directory/);
});

test('--resume without a checkpoint picks the newest started run that has one', () => {
  const root = mkdtempSync(join(tmpdir(), 'detlab-latest-'));
  try {
    const cfg = join(root, 'cfg');
    for (const id of ['20261122-040000-1-aaaaaaaa', '20261122-050000-2-bbbbbbbb', '20261122-060000-3-cccccccc']) mkdirSync(join(cfg, id, 'checkpoints'), { recursive: true });
    mkdirSync(join(cfg, '20261122-050000-2-bbbbbbbb', 'checkpoints', 'iter_000010'));
    mkdirSync(join(cfg, '20261122-040000-1-aaaaaaaa', 'checkpoints', 'iter_000020'));
    const has = (d: string): boolean => readdirSync(join(d, 'checkpoints')).length > 0;
    assert.equal(latestRunWithCheckpoint(root, 'cfg', has), join(cfg, '20261122-050000-2-bbbbbbbb'));
    assert.equal(latestRunWithCheckpoint(root, 'other', has), undefined);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
