/** `detlab eval CONFIG --checkpoint CKPT [--set ...] [--out FILE]`: the trained run's own numbers, overrides applied, the detections written, bad input one line. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, test } from 'node:test';
import fg from 'fast-glob';
import { runTraining } from '../../src/train/session.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const CONFIG = join(ROOT, 'tests/sweep/fixtures/tiny_retinanet.yaml');
const BIN = join(ROOT, 'bin/detlab.js');
const dir = mkdtempSync(join(tmpdir(), 'detlab-eval-ckpt-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const sink = { write: () => true } as unknown as NodeJS.WritableStream;
// Score threshold 0 so the 2-iteration detector's stats are not all zero.
const SETS = ['train.max_iters=2', `data.train.dataset.root=${join(dir, 'shapes')}`, `data.val.dataset.root=${join(dir, 'shapes')}`, '+model.head.test_cfg.score_thr=0'];

function stats(stdout: string): number[] {
  return stdout.split('\n').filter((l) => l.includes('maxDets=')).map((l) => Number(l.slice(l.lastIndexOf('=') + 1)));
}

function evalCli(args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, 'eval', CONFIG, ...args], { encoding: 'utf8', cwd: dir });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

test('eval --checkpoint reproduces the run\'s final evaluation, applies --set, writes its detections with --out, and rejects a bad key in one line', async () => {
  const report = await runTraining({ configFile: CONFIG, overrides: SETS, workDir: join(dir, 'work'), out: sink });
  assert.equal(report.outcome, 'finished');
  const recorded = JSON.parse(readFileSync(join(report.runDir, 'eval', 'iter_000002.json'), 'utf8')) as { stats: Record<string, number> };
  const expected = Object.values(recorded.stats).map((v) => Number(v.toFixed(3)));
  assert.ok(expected.some((v) => v > 0), 'the compared stats are not all zero');

  const sets = SETS.slice(1).flatMap((s) => ['--set', s]);
  const same = evalCli(['--checkpoint', report.lastCheckpoint!, ...sets]);
  assert.equal(same.code, 0, same.stderr);
  assert.deepEqual(stats(same.stdout), expected, 'the same weights and data give the numbers the run recorded');

  // --out: the detections as a COCO results file, which scores the same against the val annotations.
  const out = join(dir, 'out', 'detections.json');
  const written = evalCli(['--checkpoint', report.lastCheckpoint!, ...sets, '--out', out]);
  assert.equal(written.code, 0, written.stderr);
  const detections = JSON.parse(readFileSync(out, 'utf8')) as Array<{ image_id: number; category_id: number; bbox: number[]; score: number }>;
  assert.ok(detections.length > 0 && detections.every((d) => d.bbox.length === 4 && typeof d.score === 'number'));
  const gt = fg.sync('**/annotations/val.json', { cwd: join(dir, 'shapes'), absolute: true });
  assert.equal(gt.length, 1);
  const rescored = spawnSync(process.execPath, [BIN, 'eval', '--gt', gt[0], '--dt', out], { encoding: 'utf8', cwd: dir });
  assert.equal(rescored.status, 0, rescored.stderr);
  assert.deepEqual(stats(rescored.stdout), expected);

  const capped = evalCli(['--checkpoint', report.lastCheckpoint!, ...sets, '--set', '+model.head.test_cfg.max_per_img=1']);
  assert.equal(capped.code, 0, capped.stderr);
  const [, , , , , , ar1, ar10, ar100] = stats(capped.stdout);
  assert.equal(ar10, ar1, 'one detection per image: AR@10 equals AR@1');
  assert.equal(ar100, ar1);

  const bad = evalCli(['--checkpoint', report.lastCheckpoint!, '--set', 'model.head.test_cfg.scor_thr=0']);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /scor_thr/);
  assert.equal(bad.stderr.trim().split('\n').length, 1, bad.stderr);
});
