/**
 * Train-step time of RetinaNet-R18-FPN and FCOS-R18-FPN (their base configs,
 * 256-channel FPN and 4-conv towers) at 2×3×256×256 on each available kernel
 * set: the wasm pack, and the wasm pack with the OpenBLAS addon when built.
 * Each detector has a PyTorch eager twin (bench/detectors/torch_step.py for
 * RetinaNet, torch_fcos_step.py for FCOS); where DETLAB_PYTHON imports torch, the twin runs at each
 * kernel set's thread count and the step-time ratio is printed, with both
 * parameter counts and first-step losses so the comparison can be checked.
 * DETLAB_BENCH_STEPS (default 4) timed steps after one warm-up step.
 */
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DetectorJob, DetectorResult } from './detectors/child.js';
import { runTorchTwin, type TorchStepResult } from './torch_twin.js';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..');
const BATCH = 2;
const SIZE = 256;
const NUM_CLASSES = 6;
const DETECTORS: { label: string; config: string; twin?: string }[] = [
  { label: 'RetinaNet-R18-FPN', config: 'configs/_base_/models/retinanet_r18_fpn.yaml', twin: 'bench/detectors/torch_step.py' },
  { label: 'FCOS-R18-FPN', config: 'configs/_base_/models/fcos_r18_fpn.yaml', twin: 'bench/detectors/torch_fcos_step.py' },
];

interface TwinResult extends TorchStepResult {
  params: number;
  trainableParams: number;
  targetsMs: number[];
  firstLosses: Record<string, number>;
}

function run(job: DetectorJob): DetectorResult | string {
  const out = spawnSync(process.execPath, [join(here, 'detectors', 'child.js'), JSON.stringify(job)], { cwd: repo, encoding: 'utf8', maxBuffer: 1 << 24 });
  const last = out.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(last) as DetectorResult;
  } catch {
    return `exit ${out.status}: ${out.stderr.trim().split('\n').pop() ?? ''}`;
  }
}

/** Best and median of the steps after the warm-up one. */
function bestMedian(stepMs: number[]): { best: number; median: number } {
  const timed = stepMs.slice(1).sort((a, b) => a - b);
  return { best: timed[0], median: timed[Math.floor(timed.length / 2)] };
}

const seconds = (ms: number): string => (ms / 1000).toFixed(3);
const losses = (terms: Record<string, number>): string => ['loss_cls', 'loss_bbox'].map((k) => `${k} ${terms[k]?.toFixed(4)}`).join(', ');

/** Runs the twin once per distinct thread count of the detlab runs and prints the ratios. */
function compareWithTwin(label: string, script: string, results: DetectorResult[], steps: number): void {
  const byThreads = new Map<number, TwinResult>();
  for (const threads of new Set(results.map((r) => r.threads))) {
    const twin = runTorchTwin<TwinResult>(script, [BATCH, SIZE, threads, steps, NUM_CLASSES]);
    if (twin.kind !== 'ok') {
      console.log(twin.kind === 'absent' ? twin.note : twin.message);
      return;
    }
    const t = twin.result;
    const { best, median } = bestMedian(t.stepMs);
    console.log(`PyTorch ${t.torch} eager CPU twin of ${label}, ${t.threads} thread(s): step s best ${seconds(best)}, median ${seconds(median)} (targets ${Math.min(...t.targetsMs).toFixed(1)} ms of it)`);
    byThreads.set(threads, t);
  }
  const twin = byThreads.values().next().value as TwinResult;
  const detlab = results[0];
  const same = detlab.params === twin.params && detlab.trainableParams === twin.trainableParams;
  console.log(`  parameters: detlab ${detlab.params} (${detlab.trainableParams} trainable), twin ${twin.params} (${twin.trainableParams} trainable): ${same ? 'equal' : 'DIFFERENT'}`);
  console.log(`  first-step losses: detlab ${losses(detlab.firstLosses)}; twin ${losses(twin.firstLosses)} (random images and inits differ)`);
  for (const r of results) {
    const t = byThreads.get(r.threads) as TwinResult;
    const d = bestMedian(r.stepMs), p = bestMedian(t.stepMs);
    const ratio = (d.best / p.best).toFixed(2);
    console.log(`${label} ${r.kernels} / PyTorch step-time ratio: ${ratio} (best; median ${(d.median / p.median).toFixed(2)}; ${r.threads} thread(s) each)`);
  }
}

export default async function detectorsBench(): Promise<void> {
  const steps = 1 + Number(process.env.DETLAB_BENCH_STEPS ?? 4);
  const loadBefore = loadavg()[0];
  console.log(`load average ${loadBefore.toFixed(1)} (timings on a busy machine are inflated)`);
  const header = ['detector', 'kernels', 'threads', 'params M', 'step s (best)', 'step s (median)', 'peak RSS MB', 'tensors'];
  console.log(header.join('  '));
  const twins: { label: string; script: string; results: DetectorResult[] }[] = [];
  for (const { label, config, twin } of DETECTORS) {
    const results: DetectorResult[] = [];
    for (const native of ['off', 'on'] as const) {
      const r = run({ config, native, batch: BATCH, size: SIZE, steps, numClasses: NUM_CLASSES });
      if (typeof r === 'string') {
        console.log(`${label}  native=${native}  unavailable: ${r}`);
        continue;
      }
      results.push(r);
      const { best, median } = bestMedian(r.stepMs);
      const counts = r.numTensors.slice(1);
      const flat = Math.min(...counts) === Math.max(...counts);
      console.log([
        label, r.kernels, r.threads, (r.params / 1e6).toFixed(2), seconds(best), seconds(median),
        r.peakRssMb.toFixed(0), flat ? `${counts[0]} flat` : `${Math.min(...counts)}..${Math.max(...counts)} GROWING`,
      ].join('  '));
    }
    if (twin !== undefined && results.length > 0) twins.push({ label, script: twin, results });
  }
  for (const { label, script, results } of twins) compareWithTwin(label, script, results, steps);
  console.log(`load average ${loadavg()[0].toFixed(1)} at the end (${loadBefore.toFixed(1)} at the start)`);
}
