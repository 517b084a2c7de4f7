/**
 * How long planning a large sweep takes (`sweep run --dry-run` before it
 * prints): the spec loaded, every trial's config resolved and validated
 * against the registry. A grid over the tiny RetinaNet of the sweep tests, of
 * 10^3 and 10^4 trials (the default limit) and 10^5 with DETLAB_MAX_TRIALS
 * raised; then the time to refuse 10^5 and 10^9 trials at the default limit,
 * which is counted from the list sizes before anything is expanded.
 * DETLAB_BENCH_PLAN_MAX (default 100000) caps the sizes planned.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { LIMITS } from '../src/config/limits.js';
import { planSweep } from '../src/sweep/plan.js';

const TINY = resolve(import.meta.dirname, '../../tests/sweep/fixtures/tiny_retinanet.yaml');

/** A spec whose grid has `trials` combinations: three keys of sizes 10 x 10 x trials/100. */
function gridSpec(dir: string, trials: number): string {
  const file = join(dir, `grid_${trials}.yaml`);
  const third = Math.max(1, Math.round(trials / 100));
  writeFileSync(file, `base: ${TINY}\ngrid:\n  optimizer.lr: { linspace: [0.001, 0.01, 10] }\n  optimizer.momentum: { linspace: [0.8, 0.99, 10] }\n  optimizer.weight_decay: { linspace: [0, 0.001, ${third}] }\nmetric: loss\nmode: min\n`);
  return file;
}

async function timed(file: string): Promise<{ seconds: number; outcome: string }> {
  const t0 = performance.now();
  let outcome: string;
  try {
    outcome = `${(await planSweep(file)).trials.length} trials planned`;
  } catch (err) {
    outcome = `refused: ${(err as Error).message.split('\n')[0].replace(/^.*?: /, '')}`;
  }
  return { seconds: (performance.now() - t0) / 1000, outcome };
}

export default async function (): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'detlab-plan-bench-'));
  const max = Number(process.env.DETLAB_BENCH_PLAN_MAX ?? 100_000);
  const saved = process.env[LIMITS.trials.env];
  try {
    for (const n of [1000, 10_000, 100_000].filter((n) => n <= max)) {
      process.env[LIMITS.trials.env] = String(Math.max(n, LIMITS.trials.fallback));
      const r = await timed(gridSpec(dir, n));
      console.log(`plan a ${n}-trial grid: ${r.seconds.toFixed(2)} s (${r.outcome}; ${((r.seconds / n) * 1e6).toFixed(0)} µs per trial)`);
    }
    delete process.env[LIMITS.trials.env];
    for (const n of [100_000, 1e9]) {
      const r = await timed(gridSpec(dir, n));
      console.log(`a ${n}-trial grid at the default limit: ${r.seconds.toFixed(3)} s, ${r.outcome}`);
    }
  } finally {
    if (saved === undefined) delete process.env[LIMITS.trials.env];
    else process.env[LIMITS.trials.env] = saved;
    rmSync(dir, { recursive: true, force: true });
  }
}
