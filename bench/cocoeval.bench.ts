/**
 * COCO bbox evaluation speed: a seeded synthetic set of 5,000 images and
 * 500,000 detections, evaluated end to end (read JSON, validate, evaluate,
 * accumulate, summarize) by detlab and by pycocotools on the same files in
 * the same run. Target: detlab at least 4x faster. Also checks the 12 stats agree.
 */
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { evaluateCoco, loadGroundTruth, loadResults, readJsonFile } from '../src/eval/index.js';
import { findPython } from '../tests/helpers/python.js';
import { runPycocotools } from '../tests/eval/reference.js';
import { generateBenchCoco } from '../tests/eval/synthetic_coco.js';

const IMAGES = 5_000;
const DETECTIONS = 500_000;
const SEED = 2026;

async function timeOurs(gtPath: string, dtPath: string, workers?: number) {
  const t0 = performance.now();
  const gtDoc = await readJsonFile(gtPath, 'COCO ground truth');
  const dtDoc = await readJsonFile(dtPath, 'COCO results');
  const t1 = performance.now();
  const gt = loadGroundTruth(gtDoc, gtPath);
  const dt = loadResults(dtDoc, gt, dtPath);
  const t2 = performance.now();
  const result = await evaluateCoco(gt, dt, workers === undefined ? {} : { workers });
  const t3 = performance.now();
  return { result, parse: (t1 - t0) / 1000, validate: (t2 - t1) / 1000, evaluate: (t3 - t2) / 1000, total: (t3 - t0) / 1000 };
}

export default async function (): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'detlab-cocoeval-bench-'));
  try {
    const coco = generateBenchCoco(SEED, IMAGES, DETECTIONS);
    const gtPath = join(dir, 'gt.json');
    const dtPath = join(dir, 'results.json');
    writeFileSync(gtPath, JSON.stringify(coco.gt));
    writeFileSync(dtPath, JSON.stringify(coco.dt));
    const mb = (p: string) => (statSync(p).size / 1e6).toFixed(1);
    console.log(`data: ${coco.gt.images.length} images, ${coco.gt.annotations.length} GT, ${coco.dt.length} detections, 80 categories (seed ${SEED}); gt ${mb(gtPath)} MB, results ${mb(dtPath)} MB; ${availableParallelism()} cores`);

    const single = await timeOurs(gtPath, dtPath, 0);
    const parallel = await timeOurs(gtPath, dtPath);
    const fmt = (r: typeof single) =>
      `${r.total.toFixed(2)} s (parse ${r.parse.toFixed(2)}, validate ${r.validate.toFixed(2)}, evaluate+accumulate+summarize ${r.evaluate.toFixed(2)})`;
    console.log(`detlab, in-process:       ${fmt(single)}`);
    console.log(`detlab, worker threads:   ${fmt(parallel)}`);

    const probe = findPython(['pycocotools', 'numpy']);
    if (!probe.python) {
      console.log(`pycocotools: skipped (${probe.skip})`);
      return;
    }
    const t0 = performance.now();
    const ref = runPycocotools(probe.python, [{ gt: gtPath, dt: dtPath }]);
    const wall = (performance.now() - t0) / 1000;
    const s = ref.seconds[0];
    const theirs = s.load + s.evaluate + s.accumulate + s.summarize;
    console.log(
      `pycocotools:              ${theirs.toFixed(2)} s (load ${s.load.toFixed(2)}, evaluate ${s.evaluate.toFixed(2)}, accumulate ${s.accumulate.toFixed(2)}, summarize ${s.summarize.toFixed(2)}; process wall ${wall.toFixed(2)} s)`,
    );
    const best = Math.min(single.total, parallel.total);
    console.log(`speed-up: ${(theirs / best).toFixed(1)}x (in-process ${(theirs / single.total).toFixed(1)}x, workers ${(theirs / parallel.total).toFixed(1)}x; target >= 4x)`);
    let maxDelta = 0;
    let identical = 0;
    ref.stats[0].forEach((v, i) => {
      maxDelta = Math.max(maxDelta, Math.abs(v - parallel.result.stats[i]), Math.abs(v - single.result.stats[i]));
      if (v === parallel.result.stats[i] && v === single.result.stats[i]) identical++;
    });
    console.log(`stats: ${identical}/12 bit-identical to pycocotools, max |delta| ${maxDelta}; AP ${parallel.result.stats[0]}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
