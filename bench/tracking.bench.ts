/**
 * Tracking overhead per training step: the time a step spends inside
 * `logMetrics` (10 metrics per step), and the CPU the process spends on
 * tracking in all (logMetrics plus background batching and delivery), for the
 * embedded FileStore and for a real MLflow server over REST. Shown against
 * nominal step times; the target is < 1 % of a step.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openRun } from '../src/track/tracker.js';
import { MlflowServer } from '../tests/helpers/mlflow_server.js';
import { findPython } from '../tests/helpers/python.js';

const STEPS = 3000;
const METRICS_PER_STEP = 10;
const NOMINAL_STEP_MS = [50, 250, 1200];

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** CPU per step of the bench loop itself (timers, promises) without tracking, subtracted below. */
async function baselineCpuPerStepMs(): Promise<number> {
  const cpu0 = process.cpuUsage();
  for (let step = 0; step < STEPS; step++) {
    const values: Record<string, number> = {};
    for (let k = 0; k < METRICS_PER_STEP; k++) values[`train/m${k}`] = Math.sin(step + k);
    await sleep(1);
  }
  const cpu = process.cpuUsage(cpu0);
  return (cpu.user + cpu.system) / 1000 / STEPS;
}

async function measure(label: string, uri: string, dir: string, baselineMs: number): Promise<void> {
  const run = await openRun({ uri, experimentName: 'bench', runName: label, workDir: join(dir, label), flushIntervalMs: 1000, log: () => {}, handleSignals: false });
  const calls: number[] = [];
  const t00 = performance.now();
  const cpu0 = process.cpuUsage();
  let idleMs = 0;
  for (let step = 0; step < STEPS; step++) {
    const values: Record<string, number> = {};
    for (let k = 0; k < METRICS_PER_STEP; k++) values[`train/m${k}`] = Math.sin(step + k);
    const t0 = performance.now();
    run.logMetrics(step, values);
    calls.push(performance.now() - t0);
    // Stand-in for the step's compute: idle time in which the background flush may run.
    const s0 = performance.now();
    await sleep(1);
    idleMs += performance.now() - s0;
  }
  const tf = performance.now();
  const report = await run.finish();
  const finishMs = performance.now() - tf;
  const cpu = process.cpuUsage(cpu0);
  const cpuPerStepMs = Math.max(0, (cpu.user + cpu.system) / 1000 / STEPS - baselineMs);
  const loopS = (tf - t00) / 1000;
  calls.sort((a, b) => a - b);
  const mean = calls.reduce((a, b) => a + b, 0) / calls.length;
  const q = (p: number): number => calls[Math.min(calls.length - 1, Math.floor(p * calls.length))] as number;
  console.log(
    `${label}: ${STEPS} steps x ${METRICS_PER_STEP} metrics in ${loopS.toFixed(1)} s, delivered=${report.delivered}, ` +
      `finish (drain + reconcile) ${finishMs.toFixed(0)} ms, store ingestion ${((STEPS * METRICS_PER_STEP) / (loopS + finishMs / 1000)).toFixed(0)} points/s overall`,
  );
  console.log(`  logMetrics per step: mean ${(mean * 1000).toFixed(1)} us, p50 ${(q(0.5) * 1000).toFixed(1)} us, p99 ${(q(0.99) * 1000).toFixed(1)} us`);
  console.log(`  process CPU per step for all tracking work incl. background delivery and finish, loop baseline subtracted: ${(cpuPerStepMs * 1000).toFixed(0)} us (idle between steps: ${(idleMs / STEPS).toFixed(2)} ms)`);
  console.log(
    `  overhead of logMetrics / all tracking CPU vs step time: ${NOMINAL_STEP_MS.map((ms) => `${ms} ms: ${((mean / ms) * 100).toFixed(4)} % / ${((cpuPerStepMs / ms) * 100).toFixed(3)} %`).join(', ')}`,
  );
}

export default async function (): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'detlab-trackbench-'));
  try {
    const baseline = await baselineCpuPerStepMs();
    console.log(`loop baseline: ${(baseline * 1000).toFixed(0)} us CPU per step`);
    await measure('filestore', join(dir, 'mlruns'), dir, baseline);
    const probe = findPython(['mlflow']);
    if (probe.python === undefined) {
      console.log(`rest: skipped (${probe.skip})`);
      return;
    }
    const server = await MlflowServer.start(probe.python);
    try {
      await measure('rest', server.url, dir, baseline);
    } finally {
      await server.dispose();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
