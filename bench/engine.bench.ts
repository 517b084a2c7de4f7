/**
 * Training-step speed of the compute engine: a ResNet-18-shaped conv stack
 * (BN in training mode, SGD momentum) at 2×3×256×256 on every available
 * backend (tfjs-node where `npm run setup:tensorflow` built it), the
 * speed-up over stock `cpu` at a smaller shape, the machine's SGEMM
 * roofline, and PyTorch eager when it is importable. Each
 * configuration runs in its own process so peak RSS is its own.
 *
 * DETLAB_BENCH_STEPS (default 5) sets the number of timed steps after one
 * warm-up step.
 */
import { spawnSync } from 'node:child_process';
import { availableParallelism, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ChildResult, GemmResult, Job, StepJob, StepResult } from './engine/child.js';
import type { BackendChoice, NativeChoice } from '../src/engine/config.js';
import { loadAddon } from '../src/engine/native/addon.js';
import { runTorchTwin } from './torch_twin.js';

const here = dirname(fileURLToPath(import.meta.url));
const BATCH = 2;
const SIZE = 256;
const SMALL = 32;
const TARGETS: Record<string, { stepS: number; gflops: number }> = {
  'wasm-pack': { stepS: 1.5, gflops: 20 },
  'wasm-pack+openblas': { stepS: 0.6, gflops: 50 },
};

function runChild(job: Job): ChildResult {
  const out = spawnSync(process.execPath, [join(here, 'engine', 'child.js'), JSON.stringify(job)], { encoding: 'utf8', maxBuffer: 1 << 24 });
  const last = out.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(last) as ChildResult;
  } catch {
    return { kind: 'error', message: `child exited with ${out.status}: ${out.stderr.trim().split('\n').pop() ?? ''}` };
  }
}

const min = (xs: number[]): number => Math.min(...xs);
/** Steps after the warm-up one (which creates optimizer slots and packs weights). */
const timed = (xs: number[]): number[] => (xs.length > 1 ? xs.slice(1) : xs);

interface Row {
  label: string;
  result: StepResult;
}

function stepJob(backend: BackendChoice, native: NativeChoice, size: number, steps: number, threads: number): StepJob {
  return { kind: 'step', backend, native, threads, batch: BATCH, size, steps };
}

function printTable(rows: Row[]): void {
  const header = ['config', 'input', 'step s', 'CPU s/step', 'GFLOP/s', 'fwd s', 'peak RSS MB', 'tensors'];
  const lines = rows.map(({ label, result: r }) => {
    const step = min(timed(r.stepMs)) / 1000;
    const counts = timed(r.numTensors);
    return [
      label,
      `${r.batch}×3×${r.size}²`,
      step.toFixed(3),
      (min(timed(r.stepCpuMs)) / 1000).toFixed(3),
      ((3 * r.forwardFlops) / step / 1e9).toFixed(1),
      (r.forwardMs / 1000).toFixed(3),
      r.peakRssMb.toFixed(0),
      min(counts) === Math.max(...counts) ? `${counts[0]} flat` : `${min(counts)}..${Math.max(...counts)} GROWING`,
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const fmt = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  console.log(fmt(header));
  for (const l of lines) console.log(fmt(l));
}

export default async function engineBench(): Promise<void> {
  const threads = availableParallelism();
  const steps = 1 + Number(process.env.DETLAB_BENCH_STEPS ?? 5);
  console.log(`ResNet-18-shaped train step (fwd + bwd + SGD momentum, BN train mode), best of ${steps - 1} after 1 warm-up, ${threads} cores;`);
  console.log('GFLOP/s = 3 × forward conv FLOPs / step time; CPU s/step is the process CPU time (all threads), robust to a busy machine.');
  const loadBefore = loadavg()[0];

  const rows: Row[] = [];
  const skipped: string[] = [];
  const measure = (label: string, job: StepJob): StepResult | null => {
    const result = runChild(job);
    if (result.kind !== 'step') {
      skipped.push(`${label}: skipped (${result.kind === 'error' ? result.message : 'unexpected result'})`);
      return null;
    }
    console.log(`  measured ${label} at ${job.batch}×3×${job.size}²: ${(min(timed(result.stepMs)) / 1000).toFixed(3)} s/step`);
    rows.push({ label, result });
    return result;
  };

  const big: Record<string, StepResult | null> = {};
  for (const backend of ['tensorflow-gpu', 'tensorflow'] as const) big[backend] = measure(`tfjs-node (${backend})`, stepJob(backend, 'off', SIZE, steps, threads));
  big['wasm-pack'] = measure('wasm-pack', stepJob('wasm', 'off', SIZE, steps, threads));
  big['wasm-pack+openblas'] = measure('wasm-pack+openblas', stepJob('wasm', 'on', SIZE, steps, threads));
  // With oneDNN built into the addon, the row above runs its convs there; this one shows the step without.
  if (loadAddon().addon?.onednnConv) measure('wasm-pack+openblas, DETLAB_ONEDNN=off', { ...stepJob('wasm', 'on', SIZE, steps, threads), onednn: 'off' });

  const small: Record<string, StepResult | null> = {};
  small.cpu = measure('cpu (stock)', stepJob('cpu', 'off', SMALL, 2, threads));
  // Only where `npm run setup:tensorflow` built tfjs-node (its absence is already listed as skipped).
  if (big.tensorflow) small.tensorflow = measure('tfjs-node (tensorflow)', stepJob('tensorflow', 'off', SMALL, steps, threads));
  small['wasm-pack'] = measure('wasm-pack', stepJob('wasm', 'off', SMALL, steps, threads));
  small['wasm-pack+openblas'] = measure('wasm-pack+openblas', stepJob('wasm', 'on', SMALL, steps, threads));

  const load = Math.max(loadBefore, loadavg()[0]);
  console.log(`load average ${load.toFixed(1)} on ${threads} cores${load > threads ? ': the machine was busy, wall times are inflated (compare CPU s/step)' : ''}`);
  printTable(rows);
  for (const line of skipped) console.log(line);

  const cpu = small.cpu;
  if (cpu) {
    const cpuStep = min(timed(cpu.stepMs));
    for (const label of ['tensorflow', 'wasm-pack', 'wasm-pack+openblas']) {
      const r = small[label];
      if (!r) continue;
      const wall = cpuStep / min(timed(r.stepMs));
      const cpuTime = min(timed(cpu.stepCpuMs)) / min(timed(r.stepCpuMs));
      console.log(`speed-up over stock cpu at ${BATCH}×3×${SMALL}²: ${label} ×${wall.toFixed(0)} wall, ×${cpuTime.toFixed(0)} CPU time (cpu ${(cpuStep / 1000).toFixed(1)} s/step)`);
    }
  }

  const gemm = runChild({ kind: 'gemm', n: 1024, threads, repeats: 5 });
  if (gemm.kind === 'gemm') {
    const g = gemm as GemmResult;
    const blas = g.openblas === null ? 'OpenBLAS addon not built' : `OpenBLAS ${g.openblas.toFixed(0)} GFLOP/s (${threads} threads)`;
    console.log(`SGEMM roofline ${g.n}³: ${blas}, XNNPACK (wasm, 1 thread) ${g.xnnpack.toFixed(0)} GFLOP/s`);
    const native = big['wasm-pack+openblas'];
    if (native && g.openblas) {
      const eff = (3 * native.forwardFlops) / min(timed(native.stepMs)) / 1e6;
      console.log(`  the native train step runs at ${((100 * eff) / g.openblas).toFixed(0)} % of the OpenBLAS SGEMM peak`);
    }
  } else {
    console.log(`SGEMM roofline: failed (${gemm.kind === 'error' ? gemm.message : ''})`);
  }

  const twin = runTorchTwin('bench/engine/torch_step.py', [BATCH, SIZE, threads, steps]);
  if (twin.kind === 'absent') console.log(twin.note);
  else if (twin.kind === 'failed') console.log(twin.message);
  else {
    const torch = twin.result;
    const torchStep = min(timed(torch.stepMs));
    console.log(`PyTorch ${torch.torch} eager CPU, ${torch.threads} threads: ${(torchStep / 1000).toFixed(3)} s/step`);
    for (const label of ['tensorflow', 'wasm-pack', 'wasm-pack+openblas']) {
      const r = big[label];
      if (r) console.log(`  ${label} / PyTorch step-time ratio: ${(min(timed(r.stepMs)) / torchStep).toFixed(2)}`);
    }
  }

  for (const [label, target] of Object.entries(TARGETS)) {
    const r = big[label];
    if (!r) continue;
    const step = min(timed(r.stepMs)) / 1000;
    const gflops = (3 * r.forwardFlops) / step / 1e9;
    const ok = step <= target.stepS && gflops >= target.gflops;
    console.log(`target ${label}: ≤ ${target.stepS} s and ≥ ${target.gflops} GFLOP/s at ${BATCH}×3×${SIZE}²: ${ok ? 'met' : 'MISSED'} (${step.toFixed(3)} s, ${gflops.toFixed(1)} GFLOP/s)`);
  }
}
