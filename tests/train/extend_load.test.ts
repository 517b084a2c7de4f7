/** Runs that start from another: extending a finished run on --resume, and load_from (weights only, a new run). */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, test } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { FileStore } from '../../src/track/file_store.js';
import { loadCheckpoint } from '../../src/train/checkpoint.js';
import type { RunExtension } from '../../src/train/extend_run.js';
import { multiStepSchedule } from '../../src/train/lr_schedules.js';
import { readMetricsLines } from '../../src/train/metrics_log.js';
import { runTraining } from '../../src/train/session.js';
import { mlflowRunId } from '../helpers/run_files.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const CONFIG = join(ROOT, 'tests/sweep/fixtures/tiny_retinanet.yaml');
const dir = mkdtempSync(join(tmpdir(), 'detlab-extend-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const lines: string[] = [];
const sink = { write: (s: string) => lines.push(s) > 0 } as unknown as NodeJS.WritableStream;
const MLRUNS = join(dir, 'mlruns');
const SETS = [`data.train.dataset.root=${join(dir, 'shapes')}`, `data.val.dataset.root=${join(dir, 'shapes')}`, `+tracking.uri=${MLRUNS}`, '~data.val'];

/** Parameters only: BatchNorm statistics move in train mode whatever the learning rate. */
function modelParams(checkpoint: string): Map<string, Float32Array> {
  const { tensors } = loadCheckpoint(checkpoint);
  const out = new Map<string, Float32Array>();
  for (const [k, t] of tensors) if (k.startsWith('model/') && !/running_(mean|var)$/.test(k)) out.set(k, t.dataSync() as Float32Array);
  for (const t of tensors.values()) t.dispose();
  return out;
}

test('--resume with a larger train.max_iters extends a finished run: it trains to the new length on the recomputed schedule, recorded in the run and in MLflow', async () => {
  const first = await runTraining({ configFile: CONFIG, overrides: [...SETS, 'train.max_iters=3'], workDir: join(dir, 'work'), out: sink });
  assert.equal(first.outcome, 'finished');
  const resumed = await runTraining({ configFile: CONFIG, overrides: [...SETS, 'train.max_iters=6'], workDir: join(dir, 'work'), resume: first.runDir, out: sink });
  assert.equal(resumed.outcome, 'finished');
  assert.equal(resumed.runDir, first.runDir, 'the same run continues');
  assert.equal(loadCheckpoint(resumed.lastCheckpoint!).state.iter, 6);

  const metrics = readMetricsLines(join(first.runDir, 'metrics.jsonl')).filter((l) => l.metrics.loss !== undefined);
  assert.deepEqual(metrics.map((l) => l.step), [1, 2, 3, 4, 5, 6]);
  // The config's schedule (MultiStepLR at 66.667 % and 88.889 %, linear warm-up over 5 %, lr 0.01) for 3, then 6 iterations.
  const schedule = (n: number) => multiStepSchedule(['66.667%', '88.889%'], 0.1, { type: 'linear', iters: '5%', ratio: 0.001 })(n);
  const expected = [1, 2, 3].map((s) => 0.01 * schedule(3).factor(s - 1)).concat([4, 5, 6].map((s) => 0.01 * schedule(6).factor(s - 1)));
  metrics.forEach((l, i) => assert.ok(Math.abs(l.metrics.lr - expected[i]) < 1e-12, `lr at step ${l.step}: ${l.metrics.lr} vs ${expected[i]}`));

  const [ext] = readFileSync(join(first.runDir, 'extensions.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as RunExtension);
  assert.deepEqual([ext.atIter, ext.fromIters, ext.toIters], [3, 3, 6]);
  assert.deepEqual(ext.schedulesBefore, { main: schedule(3).describe });
  assert.deepEqual(ext.schedulesAfter, { main: schedule(6).describe });
  assert.equal((parseYaml(readFileSync(join(first.runDir, 'config.yaml'), 'utf8')) as { train: { max_iters: number } }).train.max_iters, 6);

  const run = await new FileStore(MLRUNS).getRun(mlflowRunId(first.runDir));
  assert.equal(run.tags['detlab.max_iters'], '6');
  assert.equal(run.tags['detlab.extensions'], `train.max_iters 3 → 6 at iteration 3 (main: ${schedule(3).describe} → ${schedule(6).describe})`);

  await assert.rejects(runTraining({ configFile: CONFIG, overrides: [...SETS, 'train.max_iters=4'], workDir: join(dir, 'work'), resume: first.runDir, out: sink }), {
    name: 'UserError',
    message: /train\.max_iters 4 is shorter than the run's 6; a run can be extended on resume, not shortened/,
  });
});

test('load_from starts a new run at iteration 0 from the checkpoint\'s weights; a shape mismatch is named with its place', async () => {
  const source = await runTraining({ configFile: CONFIG, overrides: [...SETS, 'train.max_iters=2'], workDir: join(dir, 'source'), out: sink });
  // lr 0: the weights stay what was loaded, so the new run's checkpoint shows them.
  const tuned = await runTraining({ configFile: CONFIG, overrides: [...SETS, 'train.max_iters=2', 'optimizer.lr=0', `+load_from=${source.lastCheckpoint}`], workDir: join(dir, 'tuned'), out: sink });
  assert.notEqual(tuned.runDir, source.runDir);
  assert.deepEqual(readMetricsLines(join(tuned.runDir, 'metrics.jsonl')).filter((l) => l.metrics.loss !== undefined).map((l) => l.step), [1, 2]);
  assert.equal(loadCheckpoint(tuned.lastCheckpoint!).state.iter, 2);
  const loaded = modelParams(tuned.lastCheckpoint!);
  assert.deepEqual(loaded, modelParams(source.lastCheckpoint!));
  assert.ok(lines.some((l) => /load_from .*tensors\.safetensors: \d+ tensors loaded/.test(l)));
  assert.ok(!existsSync(join(tuned.runDir, 'extensions.jsonl')));

  await assert.rejects(
    runTraining({ configFile: CONFIG, overrides: [...SETS, 'train.max_iters=2', 'model.head.feat_channels=24', `+load_from=${source.lastCheckpoint}`], workDir: join(dir, 'wide'), out: sink }),
    (err: Error) => {
      assert.equal(err.name, 'UserError');
      assert.match(err.message, /^--set \+load_from=.*: load_from .*tensors\.safetensors: cannot load state/);
      assert.match(err.message, /shape mismatches: head\.cls_convs\.0\.conv\.weight: checkpoint \[3, 3, 16, 16\] vs model \[3, 3, 16, 24\]/);
      return true;
    },
  );
});
