/**
 * Parallel efficiency of the local executor: the same N trials (real `detlab
 * train` processes) run serially and with parallel 2; the target is parallel
 * ≤ 0.6 × serial on two cores. Each run starts from an empty sweep dir, so
 * both do the same work. Two sizes: the tiny RetinaNet of the sweep tests
 * (seconds per trial, mostly process start-up) and the demo's detector for a
 * few iterations plus its evaluation (the shape of the shipped sweeps).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { cpuBudget, LocalExecutor } from '../src/sweep/local_executor.js';
import { runSweep } from '../src/sweep/run.js';

const TINY = resolve(import.meta.dirname, '../../tests/sweep/fixtures/tiny_retinanet.yaml');
const DEMO = resolve(import.meta.dirname, '../../configs/retinanet/retinanet_r18_fpn_demo_shapes.yaml');
const TRIALS = 4;

interface Case {
  label: string;
  base: string;
  iters: number;
}

async function timed(c: Case, parallel: number, dir: string): Promise<number> {
  const spec = join(dir, `spec_${c.iters}_p${parallel}.yaml`);
  const lrs = Array.from({ length: TRIALS }, (_, i) => 0.001 * (i + 1));
  writeFileSync(spec, `base: ${c.base}\nset: { train.max_iters: ${c.iters} }\ngrid: { optimizer.lr: [${lrs.join(', ')}] }\nmetric: loss\nmode: min\n`);
  const start = performance.now();
  const report = await runSweep({
    specFile: spec,
    sweepDir: join(dir, `${c.iters}_p${parallel}`),
    parallel,
    track: false,
    print: () => undefined,
    executor: (n) => new LocalExecutor({ parallel: n, env: { MLFLOW_TRACKING_URI: join(dir, 'mlruns') } }),
  });
  if (report.outcome !== 'finished') throw new Error(`the parallel-${parallel} sweep ended ${report.outcome}`);
  return (performance.now() - start) / 1000;
}

export default async function (): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'detlab-sweep-bench-'));
  const cases: Case[] = [
    { label: 'the tiny RetinaNet (8 iterations + eval)', base: TINY, iters: 8 },
    { label: 'the demo RetinaNet-R18-FPN at 128 px (20 iterations + eval on 100 images)', base: DEMO, iters: 20 },
  ];
  try {
    for (const c of cases) {
      console.log(`${TRIALS} trials of ${c.label} on ${availableParallelism()} cores`);
      const serial = await timed(c, 1, dir);
      console.log(`  serial (parallel 1, ${cpuBudget(1, availableParallelism()).threads} thread(s) per trial): ${serial.toFixed(1)} s`);
      const parallel = await timed(c, 2, dir);
      console.log(`  parallel 2 (${cpuBudget(2, availableParallelism()).threads} thread(s) per trial): ${parallel.toFixed(1)} s`);
      const ratio = parallel / serial;
      console.log(`  ratio parallel/serial: ${ratio.toFixed(3)} (target ≤ 0.60: ${ratio <= 0.6 ? 'met' : 'not met'})`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
