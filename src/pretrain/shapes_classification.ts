/**
 * A classification task made from the shapes generator, for pretraining a
 * backbone before detection: each image is a scene of the detection renderer
 * (same textured backgrounds, clutter strokes, random colours and shape
 * drawing) holding exactly one shape, labelled by its class.
 *
 * Why single-object scenes, not whole detection scenes labelled by the set of
 * classes present: with 2 to 9 shapes of 6 classes most classes are present
 * in most scenes, so a multi-label target says little per image and never
 * which pixels carry it. One shape per image gives a clean label tied to one
 * object. Its side is log-uniform from `minSide` (8 px, the detection's
 * smallest) to 3/4 of the image, drawn at its own pixel size with no
 * resampling, so the features learn the detection's small and medium objects
 * as the detector will see them, and to ignore texture and clutter. Image i of
 * a split depends only on (seed, split, i): the stream is endless, resumable
 * at any position, and needs no files.
 */
import { tf, type Tensor4D } from '../engine/tf.js';
import { applyPipeline } from '../data/transform.js';
import { rngFor } from '../data/rng.js';
import type { Transform } from '../data/transform.js';
import type { Sample } from '../data/types.js';
import { SHAPE_CLASSES } from '../data/shapes/raster.js';
import { DEFAULT_SCENE, renderScene, type SceneOptions } from '../data/shapes/scene.js';
import type { BatchSource } from '../train/types.js';

/** Keeps classification images apart from the detection dataset's images of the same seed. */
const STREAM_WORD = 0x70726574;

export type ClassificationSplit = 'train' | 'val';

export interface ShapesClassificationParams {
  /** Image side in pixels. */
  size: number;
  seed: number;
  /** Smallest shape side in pixels. */
  minSide: number;
  clutterLines: number;
}

export interface ClassificationBatch {
  /** NHWC, after the pipeline. The consumer disposes it. */
  images: Tensor4D;
  /** Class index of each image, in `SHAPE_CLASSES` order. */
  labels: Int32Array;
}

export const CLASSIFICATION_CLASSES = SHAPE_CLASSES;

function sceneOptions(p: ShapesClassificationParams): SceneOptions {
  // One shape, never dropped for occlusion (nothing is drawn over it).
  return { ...DEFAULT_SCENE, minSide: p.minSide, clutterLines: p.clutterLines, objects: [1, 1], maxOcclusion: 1 };
}

/** Image `index` of `split` before any transform: raw RGB pixels, its label and the shape's box. */
export function classificationImage(p: ShapesClassificationParams, split: ClassificationSplit, index: number): { pixels: Uint8Array; label: number; box: [number, number, number, number] } {
  const scene = renderScene(p.size, rngFor(p.seed, STREAM_WORD, split === 'train' ? 0 : 1, index), sceneOptions(p));
  const [object] = scene.objects;
  if (scene.objects.length !== 1 || object === undefined) throw new Error(`shapes classification: image ${index} has ${scene.objects.length} shapes, expected 1`);
  return { pixels: scene.pixels, label: object.label, box: object.box };
}

function sample(p: ShapesClassificationParams, split: ClassificationSplit, index: number): { sample: Sample; label: number } {
  const { pixels, label, box } = classificationImage(p, split, index);
  const shape: [number, number] = [p.size, p.size];
  return {
    label,
    sample: {
      image: Float32Array.from(pixels),
      height: p.size,
      width: p.size,
      boxes: Float32Array.from(box),
      labels: Int32Array.of(label),
      ignoreBoxes: new Float32Array(0),
      meta: { imageId: index, fileName: `${split}/${index}`, originalShape: shape, imgShape: shape, padShape: shape, scaleFactor: [1, 1], flip: false },
    },
  };
}

/** Images `indices` of `split` through `transforms` (seeded per image), stacked NHWC. */
export function classificationBatch(p: ShapesClassificationParams, split: ClassificationSplit, indices: readonly number[], transforms: readonly Transform[]): ClassificationBatch {
  const labels = new Int32Array(indices.length);
  const pixels = new Float32Array(indices.length * p.size * p.size * 3);
  indices.forEach((index, k) => {
    const s = sample(p, split, index);
    const out = applyPipeline(transforms, s.sample, rngFor(p.seed, STREAM_WORD, 2, split === 'train' ? 0 : 1, index));
    if (out.height !== p.size || out.width !== p.size) throw new Error(`shapes classification: the pipeline changed the image size to ${out.height}x${out.width}; pretraining keeps ${p.size}x${p.size}`);
    pixels.set(out.image, k * out.image.length);
    labels[k] = s.label;
  });
  return { images: tf.tensor4d(pixels, [indices.length, p.size, p.size, 3]), labels };
}

/** The endless training stream: batch k holds images k·B .. k·B + B − 1; its state is the next image index. */
export class ClassificationStream implements BatchSource<ClassificationBatch> {
  private position = 0;

  constructor(
    private readonly params: ShapesClassificationParams,
    private readonly transforms: readonly Transform[],
    readonly batchSize: number,
  ) {}

  next(): ClassificationBatch {
    const indices = Array.from({ length: this.batchSize }, (_, k) => this.position + k);
    this.position += this.batchSize;
    return classificationBatch(this.params, 'train', indices, this.transforms);
  }

  state(): { position: number } {
    return { position: this.position };
  }

  loadState(state: unknown): void {
    const position = (state as { position?: unknown }).position;
    if (typeof position !== 'number' || !Number.isInteger(position) || position < 0) throw new Error(`shapes classification: bad loader state ${JSON.stringify(state)}`);
    this.position = position;
  }
}

/** The validation split in order, `batchSize` images at a time (the last batch may be smaller). */
export function* validationBatches(p: ShapesClassificationParams, count: number, batchSize: number, transforms: readonly Transform[]): Generator<ClassificationBatch> {
  for (let start = 0; start < count; start += batchSize) {
    const indices = Array.from({ length: Math.min(batchSize, count - start) }, (_, k) => start + k);
    yield classificationBatch(p, 'val', indices, transforms);
  }
}
