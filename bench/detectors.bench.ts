/**
 * Train-step time of RetinaNet-R18-FPN and FCOS-R18-FPN (their base configs,
 * 256-channel FPN and 4-conv towers) at 2×3×256×256 on each available kernel
 * set: the wasm pack, and the wasm pack with the OpenBLAS addon when built.
 * DETLAB_BENCH_STEPS (default 4) timed steps after one warm-up step.
 */
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DetectorJob, DetectorResult } from './detectors/child.js';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..');
const DETECTORS = [
  ['RetinaNet-R18-FPN', 'configs/_base_/models/retinanet_r18_fpn.yaml'],
  ['FCOS-R18-FPN', 'configs/_base_/models/fcos_r18_fpn.yaml'],
] as const;

function run(job: DetectorJob): DetectorResult | string {
  const out = spawnSync(process.execPath, [join(here, 'detectors', 'child.js'), JSON.stringify(job)], { cwd: repo, encoding: 'utf8', maxBuffer: 1 << 24 });
  const last = out.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(last) as DetectorResult;
  } catch {
    return `exit ${out.status}: ${out.stderr.trim().split('\n').pop() ?? ''}`;
  }
}

export default async function detectorsBench(): Promise<void> {
  const steps = 1 + Number(process.env.DETLAB_BENCH_STEPS ?? 4);
  console.log(`load average ${loadavg()[0].toFixed(1)} (timings on a busy machine are inflated)`);
  const header = ['detector', 'kernels', 'params M', 'step s (best)', 'step s (median)', 'peak RSS MB', 'tensors'];
  console.log(header.join('  '));
  for (const [label, config] of DETECTORS) {
    for (const native of ['off', 'on'] as const) {
      const r = run({ config, native, batch: 2, size: 256, steps });
      if (typeof r === 'string') {
        console.log(`${label}  native=${native}  unavailable: ${r}`);
        continue;
      }
      const timed = r.stepMs.slice(1).sort((a, b) => a - b);
      const counts = r.numTensors.slice(1);
      const flat = Math.min(...counts) === Math.max(...counts);
      console.log([
        label, r.kernels, (r.params / 1e6).toFixed(2), (timed[0] / 1000).toFixed(3), (timed[Math.floor(timed.length / 2)] / 1000).toFixed(3),
        r.peakRssMb.toFixed(0), flat ? `${counts[0]} flat` : `${Math.min(...counts)}..${Math.max(...counts)} GROWING`,
      ].join('  '));
    }
  }
}
