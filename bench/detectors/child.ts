/**
 * One detector train-step measurement in a process of its own (so peak RSS
 * is its own): builds the detector from its base config through the
 * registry, then times forward + backward + SGD-momentum steps on a fixed
 * batch of random images with a few boxes each. Prints one JSON line.
 */
import { resolve } from 'node:path';
import { loadConfig } from '../../src/config/config.js';
import type { Batch, ImageMeta } from '../../src/data/types.js';
import type { Detector } from '../../src/detection/types.js';
import { initEngine } from '../../src/engine/init.js';
import { trainStep } from '../../src/engine/step.js';
import { benchSgd } from '../sgd.js';
import { tf, type Scalar, type Tensor4D } from '../../src/engine/tf.js';
import type { NativeChoice } from '../../src/engine/config.js';
import { build } from '../../src/registry/build.js';
import { discoverRegistry } from '../../src/registry/discover.js';

export interface DetectorJob {
  config: string;
  native: NativeChoice;
  batch: number;
  size: number;
  steps: number;
  /** The detector's num_classes (extras.numClasses, as a dataset would set it). */
  numClasses: number;
}

export interface DetectorResult {
  kernels: string;
  /** Threads of the native GEMM (1 for the pure wasm pack). */
  threads: number;
  stepMs: number[];
  peakRssMb: number;
  numTensors: number[];
  params: number;
  trainableParams: number;
  /** Loss terms of the first step, to set beside a twin's. */
  firstLosses: Record<string, number>;
}

function randomBatch(batch: number, size: number): Batch {
  const metas: ImageMeta[] = [];
  const boxes: Float32Array[] = [];
  const labels: Int32Array[] = [];
  for (let i = 0; i < batch; i++) {
    metas.push({ imageId: i, fileName: `bench_${i}.png`, originalShape: [size, size], imgShape: [size, size], padShape: [size, size], scaleFactor: [1, 1], flip: false });
    // Three boxes per image spanning small to large, deterministic.
    boxes.push(Float32Array.of(10, 10, 40, 40, 60 + i * 8, 50, 160, 170, 20, 120, size - 10, size - 12));
    labels.push(Int32Array.of(0, 1 + i, 2));
  }
  const images = tf.randomNormal([batch, size, size, 3], 0, 1, 'float32', 7) as Tensor4D;
  return { images, boxes, labels, ignoreBoxes: metas.map(() => new Float32Array(0)), metas };
}

async function main(): Promise<void> {
  const job = JSON.parse(process.argv[2]) as DetectorJob;
  const engine = await initEngine({ backend: 'wasm', native: job.native, log: false });
  const { config } = loadConfig(resolve(job.config));
  const registry = await discoverRegistry();
  const model = build<Detector>('detector', config.model, { registry, path: 'model', extras: { numClasses: job.numClasses } });
  model.train();
  const batch = randomBatch(job.batch, job.size);
  const vars = model.trainableParameters().map(([, v]) => v);
  const optimizer = benchSgd(vars);
  const stepMs: number[] = [];
  const numTensors: number[] = [];
  let peakRss = 0;
  let firstLosses: Record<string, number> = {};
  for (let iter = 0; iter < job.steps; iter++) {
    const t0 = performance.now();
    const losses = trainStep(optimizer, () => {
      const terms = model.forwardTrain(batch, { iter, maxIters: job.steps });
      return { ...terms, loss: tf.addN(Object.values(terms)) as Scalar };
    }, { varList: vars });
    stepMs.push(performance.now() - t0);
    if (iter === 0) firstLosses = losses;
    numTensors.push(tf.memory().numTensors);
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }
  const result: DetectorResult = {
    kernels: engine.kernels, threads: engine.threads, stepMs, peakRssMb: peakRss / 2 ** 20, numTensors,
    params: model.inferenceModel().numParameters(), trainableParams: vars.reduce((n, v) => n + v.size, 0), firstLosses,
  };
  console.log(JSON.stringify(result));
}

await main();
