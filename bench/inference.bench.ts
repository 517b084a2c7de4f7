/**
 * Inference speed of the demo detector (configs/retinanet/retinanet_r18_fpn_demo_shapes.yaml,
 * 128 px shapes) through detlab's Predictor, at batch 1 and 8, in images/s per
 * stage: decoding the PNG (sharp), preprocessing (the val pipeline, batching,
 * the input tensor), the model (backbone, neck, head, outputs read back) and
 * postprocessing (box decoding, class-aware NMS). Weights: the newest demo
 * checkpoint under work_dirs/ (DETLAB_BENCH_CHECKPOINT overrides); trained
 * weights matter, since NMS works on the candidates above the score threshold. Where DETLAB_PYTHON imports
 * torch, bench/detectors/torch_infer.py times the same network's forward in
 * PyTorch eager at the same batch and threads, and the model-stage ratio is printed.
 * DETLAB_BENCH_IMAGES (default 64) images per batch size, after one warm-up batch.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fg from 'fast-glob';
import { decodeRgb8 } from '../src/data/decode.js';
import type { SingleStageDetector } from '../src/detection/single_stage_detector.js';
import { describeEngine, engineInfo } from '../src/engine/init.js';
import { tf } from '../src/engine/tf.js';
import { openDetector } from '../src/inference/load_detector.js';
import type { ImagePixels } from '../src/inference/predictor.js';
import { runTorchTwin, type TorchStepResult } from './torch_twin.js';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CONFIG = join(repo, 'configs/retinanet/retinanet_r18_fpn_demo_shapes.yaml');
const TWIN = 'bench/detectors/torch_infer.py';

interface TwinResult extends TorchStepResult {
  params: number;
}

interface Stages {
  decode: number;
  preprocess: number;
  model: number;
  postprocess: number;
}

function newestDemoCheckpoint(): string | undefined {
  const found = fg.sync('work_dirs/retinanet_r18_fpn_demo_shapes/*/checkpoints/iter_*/tensors.safetensors', { cwd: repo, absolute: true }).sort();
  return found.length === 0 ? undefined : dirname(found[found.length - 1]);
}

const rate = (images: number, ms: number): string => `${((1000 * images) / ms).toFixed(1).padStart(7)}`;

export default async function bench(): Promise<void> {
  const checkpoint = process.env.DETLAB_BENCH_CHECKPOINT ?? newestDemoCheckpoint();
  if (checkpoint === undefined) {
    // Untrained weights would leave NMS almost nothing to do and understate postprocessing.
    console.log('skipped: no demo checkpoint under work_dirs/ (run `npm run demo` first, or set DETLAB_BENCH_CHECKPOINT)');
    return;
  }
  const count = Number(process.env.DETLAB_BENCH_IMAGES ?? 64);
  const { predictor, model, dataset } = await openDetector(CONFIG, { checkpoint, log: false });
  console.log(describeEngine(engineInfo()!));
  console.log(`weights: ${checkpoint}`);
  const files = Array.from({ length: Math.min(count, dataset.length) }, (_, i) => dataset.record(i).path);
  const detector = model as SingleStageDetector;
  const deployed = detector.inferenceModel();
  const params = [...deployed.stateDict().values()].reduce((n, t) => n + t.size, 0);

  for (const batch of [1, 8]) {
    const total: Stages = { decode: 0, preprocess: 0, model: 0, postprocess: 0 };
    let detections = 0;
    let timedImages = 0;
    // One warm-up batch (kernel set-up, first allocations), then every image once.
    for (let start = -batch; start < files.length; start += batch) {
      const chunk = start < 0 ? files.slice(0, batch) : files.slice(start, start + batch);
      const t0 = performance.now();
      const images: ImagePixels[] = await Promise.all(chunk.map(async (f) => {
        const d = await decodeRgb8(f);
        return { pixels: d.data, height: d.height, width: d.width, source: f };
      }));
      const t1 = performance.now();
      const prepared = predictor.batch(images.map((image, i) => predictor.preprocess(image, i)));
      const t2 = performance.now();
      const outs = tf.tidy(() => deployed.forward(prepared.images));
      const heads = [...outs.cls, ...outs.reg, ...(outs.quality ?? [])];
      for (const t of heads) t.dataSync();
      const t3 = performance.now();
      const results = detector.head.predict(outs, prepared.metas);
      const t4 = performance.now();
      tf.dispose([...heads, prepared.images]);
      if (start < 0) continue;
      total.decode += t1 - t0;
      total.preprocess += t2 - t1;
      total.model += t3 - t2;
      total.postprocess += t4 - t3;
      timedImages += chunk.length;
      detections += results.reduce((n, r) => n + r.scores.length, 0);
    }
    const all = total.decode + total.preprocess + total.model + total.postprocess;
    console.log(`batch ${batch}: ${timedImages} val images (128x128), ${(detections / timedImages).toFixed(1)} detections/image after NMS`);
    console.log(`  images/s   decode ${rate(timedImages, total.decode)}  preprocess ${rate(timedImages, total.preprocess)}  model ${rate(timedImages, total.model)}  postprocess ${rate(timedImages, total.postprocess)}  end to end ${rate(timedImages, all)}`);
    console.log(`  ms/image   decode ${(total.decode / timedImages).toFixed(2)}  preprocess ${(total.preprocess / timedImages).toFixed(2)}  model ${(total.model / timedImages).toFixed(2)}  postprocess ${(total.postprocess / timedImages).toFixed(2)}`);
    const twin = runTorchTwin<TwinResult>(TWIN, [batch, 128, engineInfo()!.threads, Math.max(3, Math.ceil(files.length / batch)), dataset.classes.length]);
    if (twin.kind !== 'ok') {
      console.log(`  ${twin.kind === 'absent' ? twin.note : twin.message}`);
      continue;
    }
    const timed = twin.result.stepMs.slice(1).sort((a, b) => a - b);
    const torchMs = timed[Math.floor(timed.length / 2)] / batch;
    const oursMs = total.model / timedImages;
    console.log(`  PyTorch ${twin.result.torch} eager forward (${twin.result.threads} thread${twin.result.threads === 1 ? '' : 's'}, ${twin.result.params} parameters; detlab's deployed model ${params}): ${torchMs.toFixed(2)} ms/image, detlab/PyTorch model-stage time ${(oursMs / torchMs).toFixed(2)}x`);
  }
  model.dispose();
}
