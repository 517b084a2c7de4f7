/**
 * A sweep's `metric:` is checked before anything trains (`--dry-run` fails on a
 * typo with file:line), and a loss-term name only the model knows is checked by
 * the first finished trial, which stops the sweep instead of running the rest.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readState } from '../../src/sweep/state.js';
import { FileStore } from '../../src/track/file_store.js';
import { runCli } from '../cli/run_cli.js';
import { TINY_CONFIG } from './paths.js';

async function inDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'detlab-sweep-metric-'));
  try {
    await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function writeSpec(dir: string, text: string): string {
  const file = join(dir, 'spec.yaml');
  writeFileSync(file, `base: ${TINY_CONFIG}\n${text}`);
  return file;
}

test('--dry-run rejects a metric no trial reports, at its line, with a suggestion', async () => {
  await inDir(async (dir) => {
    const typo = await runCli(['sweep', 'run', writeSpec(dir, 'grid: { optimizer.lr: [0.01, 0.02] }\nmetric: bbox_mAPP\n'), '--dry-run']);
    assert.equal(typo.code, 1, typo.stdout);
    assert.match(typo.stderr, /spec\.yaml:3: metric 'bbox_mAPP' is not one the trials report \(did you mean 'bbox_mAP'\?\)/);
    const noEval = await runCli(['sweep', 'run', writeSpec(dir, 'set: { ~data.val: null }\nmetric: bbox_AR_100\n'), '--dry-run']);
    assert.equal(noEval.code, 1, noEval.stdout);
    assert.match(noEval.stderr, /spec\.yaml:3: metric 'bbox_AR_100' comes from the evaluation, and the trials' config has no data\.val/);
    for (const metric of ['bbox_mAP_50', 'loss', 'loss_cls', 'lr', 'grad_norm/main']) {
      const ok = await runCli(['sweep', 'run', writeSpec(dir, `metric: ${metric}\n`), '--dry-run']);
      assert.equal(ok.code, 0, `${metric}: ${ok.stderr}`);
    }
  });
});

test('a loss-term typo stops the sweep after its first trial: exit 1, file:line and what the trial logged, the rest left pending, the parent run FAILED', { timeout: 120_000 }, async () => {
  await inDir(async (dir) => {
    const spec = writeSpec(dir, 'set: { train.max_iters: 2 }\ngrid: { optimizer.lr: [0.01, 0.02] }\nmetric: loss_clss\nmode: min\n');
    const sweepDir = join(dir, 'sweep');
    const r = await runCli(['sweep', 'run', spec, '--parallel', '1', '--sweep-dir', sweepDir], { MLFLOW_TRACKING_URI: join(dir, 'mlruns') });
    assert.equal(r.code, 1, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /spec\.yaml:4: metric 'loss_clss' is not among trial [0-9a-f]{12}'s metrics \(did you mean 'loss_cls'\?\) \(it logged .*loss_bbox.*\); the sweep stops/);
    const state = readState(sweepDir);
    assert.deepEqual(state.trials.map((t) => t.status), ['finished', 'pending']);
    assert.equal((await new FileStore(join(dir, 'mlruns')).getRun(state.parentRunId!)).status, 'FAILED');
  });
});
