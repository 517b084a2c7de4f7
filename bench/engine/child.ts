/**
 * One measurement in a fresh process (so peak RSS and the wasm heap belong to
 * one configuration): `node child.js '<json Job>'` prints one JSON line.
 */
import { tf, type Tensor4D } from '../../src/engine/tf.js';
import { initEngine, type EngineInfo } from '../../src/engine/init.js';
import { loadAddon } from '../../src/engine/native/addon.js';
import { inScope, trainStep } from '../../src/engine/step.js';
import { benchSgd } from '../sgd.js';
import type { BackendChoice, NativeChoice } from '../../src/engine/config.js';
import { resnet18Stack } from './resnet.js';

export type Job =
  | { kind: 'step'; backend: BackendChoice; native: NativeChoice; threads: number; batch: number; size: number; steps: number; onednn?: 'off' }
  | { kind: 'gemm'; n: number; threads: number; repeats: number };

export type StepJob = Extract<Job, { kind: 'step' }>;

export interface StepResult {
  kind: 'step';
  engine: EngineInfo;
  batch: number;
  size: number;
  stepMs: number[];
  /** Process CPU time per step (all threads): what the step costs when the machine is shared. */
  stepCpuMs: number[];
  forwardMs: number;
  forwardFlops: number;
  losses: number[];
  numTensors: number[];
  peakRssMb: number;
}

export interface GemmResult {
  kind: 'gemm';
  n: number;
  /** GFLOP/s, best of the repeats; null when that path is unavailable. */
  openblas: number | null;
  xnnpack: number;
}

export type ChildResult = StepResult | GemmResult | { kind: 'error'; message: string };

async function stepJob(job: StepJob): Promise<StepResult> {
  if (job.onednn) process.env.DETLAB_ONEDNN = job.onednn;
  const engine = await initEngine({ backend: job.backend, native: job.native, threads: job.threads, log: false });
  const net = resnet18Stack(job.batch, job.size);
  const x = tf.randomNormal([job.batch, job.size, job.size, 3], 0, 1, 'float32', 42) as Tensor4D;
  const opt = benchSgd(net.variables);
  const stepMs: number[] = [];
  const stepCpuMs: number[] = [];
  const losses: number[] = [];
  const numTensors: number[] = [];
  for (let i = 0; i < job.steps; i++) {
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    losses.push(trainStep(opt, () => net.loss(x), { varList: net.variables }).loss);
    stepMs.push(performance.now() - t0);
    const cpu = process.cpuUsage(cpu0);
    stepCpuMs.push((cpu.user + cpu.system) / 1000);
    numTensors.push(tf.memory().numTensors);
  }
  const t0 = performance.now();
  inScope(() => {
    const feats = net.forward(x);
    feats[feats.length - 1].dataSync();
  });
  const forwardMs = performance.now() - t0;
  return {
    kind: 'step', engine, batch: job.batch, size: job.size, stepMs, stepCpuMs, forwardMs, forwardFlops: net.forwardFlops, losses, numTensors,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
  };
}

function best(repeats: number, run: () => void): number {
  let bestMs = Infinity;
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    run();
    bestMs = Math.min(bestMs, performance.now() - t0);
  }
  return bestMs;
}

async function gemmJob(job: Extract<Job, { kind: 'gemm' }>): Promise<GemmResult> {
  const { n, repeats } = job;
  const flop = 2 * n * n * n;
  const load = loadAddon();
  let openblas: number | null = null;
  if (load.addon) {
    const addon = load.addon;
    addon.setThreads(job.threads);
    const a = Float32Array.from({ length: n * n }, (_, i) => Math.sin(i));
    const b = Float32Array.from({ length: n * n }, (_, i) => Math.cos(i));
    const c = new Float32Array(n * n);
    openblas = flop / best(repeats, () => addon.sgemm(false, false, n, n, n, 1, a, n, b, n, 0, c, n)) / 1e6;
  }
  await initEngine({ backend: 'wasm', native: 'off', log: false });
  const a = tf.randomNormal([n, n], 0, 1, 'float32', 1);
  const b = tf.randomNormal([n, n], 0, 1, 'float32', 2);
  // Untransposed single-batch products take XNNPACK's fast path (b is packed once and cached).
  const xnnpack = flop / best(repeats, () => inScope(() => {
    tf.matMul(a, b).dataSync();
  })) / 1e6;
  return { kind: 'gemm', n, openblas, xnnpack };
}

async function main(): Promise<void> {
  const job = JSON.parse(process.argv[2]) as Job;
  let result: ChildResult;
  try {
    result = job.kind === 'step' ? await stepJob(job) : await gemmJob(job);
  } catch (err) {
    result = { kind: 'error', message: err instanceof Error ? err.message : String(err) };
  }
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
}

await main();
