/**
 * The inference path shared by Node (loadDetector, `detlab infer`, the
 * inference bench) and the exported browser page: images through the
 * config's test pipeline, batched and padded as the validation loader does,
 * the detector's predict(), detections in original-image pixels with class
 * names. Nothing here touches files, so the same code is bundled for the browser.
 */
import { collate } from '../data/collate.js';
import { rngFor } from '../data/rng.js';
import { imageSample } from '../data/sample.js';
import { applyPipeline, type Transform } from '../data/transform.js';
import type { ImageMeta, Sample } from '../data/types.js';
import type { DetectionResult, Detector } from '../detection/types.js';
import { inScope } from '../engine/step.js';
import { tf, type Tensor4D } from '../engine/tf.js';

/** An image to detect on: HWC RGB pixels, 0-255. */
export interface ImagePixels {
  pixels: Float32Array | Uint8Array | Uint8ClampedArray;
  height: number;
  width: number;
  /** Names the image in results and messages (a file path, a URL, `tensor 0`). */
  source: string;
}

export interface Detection {
  /** `[x1, y1, x2, y2]` in the image's own pixels. */
  bbox: [number, number, number, number];
  score: number;
  /** Contiguous class index. */
  label: number;
  className: string;
}

export interface Prediction {
  source: string;
  width: number;
  height: number;
  /** Highest score first. */
  detections: Detection[];
}

/** A padded NHWC batch ready for the model, and the metas mapping its boxes back. */
export interface PreparedBatch {
  images: Tensor4D;
  metas: ImageMeta[];
}

export class Predictor {
  constructor(
    readonly model: Detector,
    /** The test pipeline (the config's `data.val` transforms). */
    readonly transforms: readonly Transform[],
    /** Class names in label order. */
    readonly classes: readonly string[],
    /** Detections scoring below this are dropped. */
    readonly scoreThr = 0,
  ) {}

  /** The test pipeline on each image; `index` keys the image (and its generator, for pipelines with randomness). */
  preprocess(image: ImagePixels, index: number): Sample {
    const pixels = image.pixels instanceof Float32Array ? image.pixels : Float32Array.from(image.pixels);
    if (pixels.length !== image.height * image.width * 3) {
      throw new Error(`${image.source}: ${pixels.length} values do not make a ${image.width}x${image.height} RGB image`);
    }
    return applyPipeline(this.transforms, imageSample(pixels, image.height, image.width, index, image.source), rngFor(0, 0, index));
  }

  batch(samples: readonly Sample[]): PreparedBatch {
    const c = collate(samples);
    return { images: tf.tensor4d(c.pixels, c.shape), metas: c.metas };
  }

  /** The detector on a prepared batch; disposes nothing. */
  detect(batch: PreparedBatch): DetectionResult[] {
    return inScope(() => this.model.predict(batch.images, batch.metas));
  }

  /** Class names and the score threshold applied to raw results. */
  describe(result: DetectionResult, image: Pick<ImagePixels, 'source' | 'height' | 'width'>): Prediction {
    const detections: Detection[] = [];
    for (let i = 0; i < result.scores.length; i++) {
      const score = result.scores[i];
      if (score < this.scoreThr) continue;
      const b = result.boxes;
      const label = result.labels[i];
      detections.push({ bbox: [b[4 * i], b[4 * i + 1], b[4 * i + 2], b[4 * i + 3]], score, label, className: this.classes[label] ?? String(label) });
    }
    detections.sort((a, b) => b.score - a.score);
    return { source: image.source, width: image.width, height: image.height, detections };
  }

  /** Detections on `images`, run as one batch. */
  predictPixels(images: readonly ImagePixels[]): Prediction[] {
    const batch = this.batch(images.map((image, i) => this.preprocess(image, i)));
    try {
      return this.detect(batch).map((r, i) => this.describe(r, images[i]));
    } finally {
      batch.images.dispose();
    }
  }
}
