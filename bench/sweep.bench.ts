/**
 * Parallel efficiency of the local executor: the same N trials (real `detlab
 * train` processes) run serially and with parallel 2; the target is parallel
 * ≤ 0.6 × serial on two cores. Each run starts from an empty sweep dir, so
 * both do the same work. Three sizes: the tiny RetinaNet of the sweep tests
 * (seconds per trial: process start-up and four fsynced 90 MB checkpoints of
 * its full-width R18), the demo's detector for a few iterations plus its
 * evaluation, and the trial of the ready-made 128 px specs (full-width
 * RetinaNet-R18-FPN with LGD, 100 iterations and evaluation: about 1.5 min
 * each, so this case alone takes about half an hour). A trial runs with the
 * budget's threads, or fewer if its config asks for fewer (the demo config:
 * one). Serial and parallel runs alternate, REPS times each
 * (DETLAB_BENCH_REPS, default 3), and the ratio is of the medians: single
 * runs on this shared VM varied by about 10 %. DETLAB_BENCH_SWEEP picks
 * cases by name (`tiny,demo,lgd`, the default: all).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { cpuBudget, LocalExecutor } from '../src/sweep/local_executor.js';
import { runSweep } from '../src/sweep/run.js';

const TINY = resolve(import.meta.dirname, '../../tests/sweep/fixtures/tiny_retinanet.yaml');
const DEMO = resolve(import.meta.dirname, '../../configs/retinanet/retinanet_r18_fpn_demo_shapes.yaml');
const SHAPES128 = resolve(import.meta.dirname, '../../configs/retinanet/retinanet_r18_fpn_shapes128.yaml');
const TRIALS = 4;
const REPS = Number(process.env.DETLAB_BENCH_REPS ?? 3);

interface Case {
  name: string;
  label: string;
  base: string;
  iters: number;
  /** Overrides on top of the iteration count (YAML flow-map entries). */
  set?: string;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

async function timed(c: Case, parallel: number, dir: string, rep: number): Promise<number> {
  const spec = join(dir, `spec_${c.name}_p${parallel}.yaml`);
  const lrs = Array.from({ length: TRIALS }, (_, i) => 0.001 * (i + 1));
  const set = [`train.max_iters: ${c.iters}`, ...(c.set === undefined ? [] : [c.set])].join(', ');
  writeFileSync(spec, `base: ${c.base}\nset: { ${set} }\ngrid: { optimizer.lr: [${lrs.join(', ')}] }\nmetric: loss\nmode: min\n`);
  const start = performance.now();
  const report = await runSweep({
    specFile: spec,
    sweepDir: join(dir, `${c.name}_p${parallel}_${rep}`),
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
  const all: Case[] = [
    { name: 'tiny', label: 'the tiny RetinaNet (8 iterations + eval)', base: TINY, iters: 8 },
    { name: 'demo', label: 'the demo RetinaNet-R18-FPN at 128 px (20 iterations + eval on 100 images)', base: DEMO, iters: 20 },
    {
      name: 'lgd',
      label: 'the full-width RetinaNet-R18-FPN + LGD at 128 px of experiments/ (100 iterations + eval on 100 images)',
      base: SHAPES128,
      iters: 100,
      set: '+model.supervisors: [{ type: LGD, lambda: 1 }]',
    },
  ];
  const names = all.map((c) => c.name);
  const picked = process.env.DETLAB_BENCH_SWEEP?.split(',') ?? names;
  const unknown = picked.filter((name) => !names.includes(name));
  if (unknown.length > 0) throw new Error(`DETLAB_BENCH_SWEEP: unknown case(s) ${unknown.join(', ')}; the cases are ${names.join(', ')}`);
  const cases = all.filter((c) => picked.includes(c.name));
  try {
    for (const c of cases) {
      console.log(`${TRIALS} trials of ${c.label} on ${availableParallelism()} cores`);
      const serial: number[] = [];
      const parallel: number[] = [];
      for (let rep = 0; rep < REPS; rep++) {
        serial.push(await timed(c, 1, dir, rep));
        parallel.push(await timed(c, 2, dir, rep));
      }
      const runs = (xs: number[]): string => `median ${median(xs).toFixed(1)} s (runs: ${xs.map((x) => x.toFixed(1)).join(', ')})`;
      console.log(`  serial (parallel 1, a budget of ${cpuBudget(1, availableParallelism()).threads} thread(s) per trial): ${runs(serial)}`);
      console.log(`  parallel 2 (a budget of ${cpuBudget(2, availableParallelism()).threads} thread(s) per trial): ${runs(parallel)}`);
      const ratio = median(parallel) / median(serial);
      console.log(`  ratio of the medians, parallel/serial: ${ratio.toFixed(3)} (target ≤ 0.60: ${ratio <= 0.6 ? 'met' : 'not met'})`);
      // Each parallel run follows its serial run: their ratio shows how much the VM's speed drifts between reps.
      console.log(`  ratio per rep: ${serial.map((s, i) => (parallel[i] / s).toFixed(3)).join(', ')}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
