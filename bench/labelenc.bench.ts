/**
 * LabelEnc's label map at COCO scale (80 classes, 800×1344 padded input,
 * 16 boxes per image): build time, the map's own size, and the process's
 * peak resident memory after building it and turning it into a tensor for
 * h's stem (the map is the largest single tensor of Step 1; spec §1.8 puts
 * it at ≈ 341 MB per image).
 */
import { initEngine } from '../src/engine/init.js';
import { tf } from '../src/engine/tf.js';
import { labelMap } from '../src/supervision/labelenc/label_map.js';
import { Rng } from '../src/train/rng.js';

const CLASSES = 80;
const H = 800;
const W = 1344;
const BOXES = 16;

export default async function (): Promise<void> {
  await initEngine({ backend: 'wasm', log: false });
  const rng = new Rng(0);
  const boxes = new Float32Array(4 * BOXES);
  const labels = new Int32Array(BOXES);
  for (let k = 0; k < BOXES; k++) {
    const w = 20 + rng.uniform() * 600;
    const h = 20 + rng.uniform() * 500;
    const x = rng.uniform() * (W - w);
    const y = rng.uniform() * (H - h);
    boxes.set([x, y, x + w, y + h], 4 * k);
    labels[k] = rng.int(CLASSES);
  }
  const before = process.memoryUsage().rss;
  const t0 = performance.now();
  const map = labelMap({ boxes: [boxes], labels: [labels] }, CLASSES, H, W, () => rng.uniform());
  const t1 = performance.now();
  const tensor = tf.tensor4d(map, [1, H, W, CLASSES]);
  const t2 = performance.now();
  const peak = process.memoryUsage().rss;
  console.log(`label map 1×${H}×${W}×${CLASSES}: ${(map.byteLength / 2 ** 20).toFixed(0)} MiB, built in ${(t1 - t0).toFixed(0)} ms, to a tensor in ${(t2 - t1).toFixed(0)} ms`);
  console.log(`resident memory: +${((peak - before) / 2 ** 20).toFixed(0)} MiB (the CPU map and the engine's copy)`);
  tensor.dispose();
}
