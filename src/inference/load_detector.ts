/**
 * A trained detector from its config and checkpoint, for inference in Node:
 *
 *     import { loadDetector } from 'detlab';
 *     const detector = await loadDetector('configs/x.yaml', { checkpoint: 'work_dirs/x/<run>/checkpoints/iter_1500' });
 *     const [prediction] = await detector.predict('image.png');
 *
 * The class names and the test pipeline come from the config's `data.val`
 * (its dataset is prepared: its annotation file read, shapes generated if
 * missing). Inputs are image files (decoded with sharp, upright by EXIF) or
 * HWC RGB tensors / pixel arrays with values 0-255.
 */
import { UserError } from '../config/errors.js';
import { buildDataset, type DataSplitConfig } from '../data/build.js';
import type { DetectionDataset } from '../data/dataset.js';
import { decodeRgb8 } from '../data/decode.js';
import type { Transform } from '../data/transform.js';
import type { Detector } from '../detection/types.js';
import { initEngine } from '../engine/init.js';
import { tf, type Tensor3D } from '../engine/tf.js';
import { build } from '../registry/build.js';
import type { ComponentConfig } from '../registry/component.js';
import { loadValidatedConfig, type ValidatedConfig } from '../registry/load_validated.js';
import { Rng } from '../train/rng.js';
import { loadCheckpoint } from '../nn/checkpoint_weights.js';
import { Predictor, type ImagePixels, type Prediction } from './predictor.js';

export interface LoadDetectorOptions {
  /** A checkpoint directory (`.../checkpoints/iter_N`) or a `.safetensors` file. */
  checkpoint: string;
  /** Config overrides, `KEY=VALUE` as `--set` takes them. */
  overrides?: readonly string[];
  plugins?: readonly string[];
  /** Detections scoring below this are dropped (default 0: everything the detector's test_cfg keeps). */
  scoreThr?: number;
  /** Where the engine's and the dataset's one-line notices go (default console.log); false prints nothing. */
  log?: ((line: string) => void) | false;
}

/** An image file, an HWC RGB tensor (0-255, as tf.node.decodeImage gives), or pixels. */
export type DetectorInput = string | Tensor3D | ImagePixels;

export interface LoadedDetector {
  /** Class names in label order. */
  readonly classes: readonly string[];
  /** Detections of each input, in order; inputs go through the detector `batchSize` at a time. */
  predict(inputs: DetectorInput | readonly DetectorInput[], o?: { batchSize?: number }): Promise<Prediction[]>;
  /** Frees the detector's weights. */
  dispose(): void;
}

/** Everything a detector needs for inference, with what it came from (also for `detlab infer` and `detlab export`). */
export interface DetectorSetup {
  v: ValidatedConfig;
  model: Detector;
  /** The `data.val` dataset, prepared: class names, category ids, ground truth. */
  dataset: DetectionDataset;
  /** The test pipeline's configs (the val dataset's `pipeline`). */
  pipeline: readonly ComponentConfig[];
  predictor: Predictor;
  /** The weights file read. */
  weights: string;
}

export async function openDetector(configFile: string, o: LoadDetectorOptions): Promise<DetectorSetup> {
  const v = await loadValidatedConfig(configFile, { overrides: o.overrides, plugins: o.plugins });
  const val = (v.config.data as { val?: DataSplitConfig } | undefined)?.val;
  if (val === undefined) throw new UserError(`${v.file}: the config has no data.val section (inference takes its class names and test pipeline from it)`);
  const log = o.log === false ? () => undefined : (o.log ?? ((line: string) => console.log(line)));
  await initEngine({ ...(v.config.engine as object), log });
  const options = { registry: v.registry, origins: v.origins };
  const dataset = buildDataset('val', val, options);
  await dataset.prepare();
  const pipeline = dataset.pipeline;
  const transforms = pipeline.map((c, i) => build<Transform>('transform', c, { ...options, path: `data.val.dataset.pipeline.${i}` }));
  const model = build<Detector>('detector', v.config.model, { ...options, path: 'model', extras: { numClasses: dataset.classes.length, rng: new Rng(0) } });
  const weights = loadCheckpoint(model, o.checkpoint);
  model.eval();
  return { v, model, dataset, pipeline, predictor: new Predictor(model, transforms, dataset.classes, o.scoreThr ?? 0), weights };
}

/** Decodes a file (8-bit RGB) or reads a tensor's values; errors name the input. */
export async function readInput(input: DetectorInput, index: number): Promise<ImagePixels> {
  if (typeof input === 'string') {
    let image: Awaited<ReturnType<typeof decodeRgb8>>;
    try {
      image = await decodeRgb8(input);
    } catch (err) {
      throw new UserError(`${input}: cannot be read as an image (${((err as Error).message ?? String(err)).split('\n')[0]})`);
    }
    return { pixels: image.data, height: image.height, width: image.width, source: input };
  }
  if (input instanceof tf.Tensor) {
    if (input.rank !== 3 || input.shape[2] !== 3) throw new UserError(`tensor ${index}: expected an HWC RGB image tensor [height, width, 3], got shape [${input.shape.join(', ')}]`);
    return { pixels: (await input.data()) as Float32Array | Uint8Array, height: input.shape[0], width: input.shape[1], source: `tensor ${index}` };
  }
  return input;
}

export async function loadDetector(configFile: string, o: LoadDetectorOptions): Promise<LoadedDetector> {
  const { model, predictor } = await openDetector(configFile, o);
  return {
    classes: predictor.classes,
    async predict(inputs, p = {}) {
      const list = (Array.isArray(inputs) ? inputs : [inputs]) as DetectorInput[];
      const batchSize = p.batchSize ?? 1;
      const out: Prediction[] = [];
      for (let i = 0; i < list.length; i += batchSize) {
        const images = await Promise.all(list.slice(i, i + batchSize).map((input, j) => readInput(input, i + j)));
        out.push(...predictor.predictPixels(images));
      }
      return out;
    },
    dispose() {
      model.dispose();
    },
  };
}
