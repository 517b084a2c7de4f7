/**
 * Writes the synthetic shapes dataset in COCO format:
 * `<out>/{train,val}/<id>.png` and `<out>/annotations/{train,val}.json`.
 * Image i of a split depends only on (seed, split, i), so the output is
 * identical for a given seed whatever the order or concurrency of writing.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import type { CocoAnnotation, CocoImage, CocoJson } from '../coco_json.js';
import { rngFor } from '../rng.js';
import { DEFAULT_SCENE, MAX_SIDE_FRACTION, renderScene, type SceneOptions } from './scene.js';
import { SHAPE_CLASSES } from './raster.js';

export interface ShapesParams {
  numTrain: number;
  numVal: number;
  /** Image side in pixels. */
  size: number;
  seed: number;
  /** Scene difficulty (the standard one when absent). */
  scene?: SceneOptions;
}

export const SPLITS = ['train', 'val'] as const;
export type Split = (typeof SPLITS)[number];

/** Bumped whenever the generator's output changes, so caches keyed by it regenerate. */
export const GENERATOR_VERSION = 1;

export function annotationFile(root: string, split: Split): string {
  return join(root, 'annotations', `${split}.json`);
}

export function imageFolder(root: string, split: Split): string {
  return join(root, split);
}

async function writeSplit(out: string, split: Split, count: number, params: ShapesParams): Promise<void> {
  const folder = imageFolder(out, split);
  await mkdir(folder, { recursive: true });
  const images: CocoImage[] = new Array(count);
  const perImage: CocoAnnotation[][] = new Array(count);
  const splitId = SPLITS.indexOf(split);
  const concurrency = 8;
  for (let start = 0; start < count; start += concurrency) {
    const jobs: Promise<void>[] = [];
    for (let i = start; i < Math.min(count, start + concurrency); i += 1) {
      const scene = renderScene(params.size, rngFor(params.seed, splitId, i), params.scene ?? DEFAULT_SCENE);
      const fileName = `${String(i).padStart(6, '0')}.png`;
      images[i] = { id: i + 1, file_name: fileName, width: params.size, height: params.size };
      perImage[i] = scene.objects.map((o) => ({
        id: 0,
        image_id: i + 1,
        category_id: o.label + 1,
        bbox: [o.box[0], o.box[1], o.box[2] - o.box[0], o.box[3] - o.box[1]],
        area: Math.round(o.area * 100) / 100,
        iscrowd: 0,
      }));
      jobs.push(
        sharp(scene.pixels, { raw: { width: params.size, height: params.size, channels: 3 } })
          .png({ compressionLevel: 6 })
          .toBuffer()
          .then((png) => writeFile(join(folder, fileName), png)),
      );
    }
    await Promise.all(jobs);
  }
  const annotations = perImage.flat().map((a, k) => ({ ...a, id: k + 1 }));
  const json: CocoJson = {
    info: { description: 'detlab synthetic shapes', generator_version: GENERATOR_VERSION, split, ...params, scene: params.scene ?? DEFAULT_SCENE },
    images,
    annotations,
    categories: SHAPE_CLASSES.map((name, k) => ({ id: k + 1, name, supercategory: 'shape' })),
  };
  await mkdir(join(out, 'annotations'), { recursive: true });
  await writeFile(annotationFile(out, split), JSON.stringify(json));
}

export async function generateShapes(out: string, params: ShapesParams): Promise<void> {
  const { scene, ...counts } = params;
  for (const [name, value] of Object.entries(counts)) {
    if (!Number.isInteger(value) || value < 0) throw new Error(`shapes: ${name} must be a non-negative integer, got ${value}`);
  }
  if (params.size < 32) throw new Error(`shapes: size must be at least 32 pixels, got ${params.size}`);
  if (scene !== undefined) checkScene(scene, params.size);
  await writeSplit(out, 'train', params.numTrain, params);
  await writeSplit(out, 'val', params.numVal, params);
}

function checkScene(scene: SceneOptions, size: number): void {
  const [lo, hi] = scene.objects;
  if (!Number.isInteger(lo) || !Number.isInteger(hi) || lo < 0 || hi < lo) throw new Error(`shapes: objects must be [min, max] with 0 <= min <= max, got [${lo}, ${hi}]`);
  if (!Number.isInteger(scene.minSide) || scene.minSide < 1 || scene.minSide >= Math.floor(size * MAX_SIDE_FRACTION)) {
    throw new Error(`shapes: min_side must be an integer from 1 to below 3/4 of the image side (${Math.floor(size * MAX_SIDE_FRACTION)}), got ${scene.minSide}`);
  }
  if (!(scene.maxOcclusion >= 0 && scene.maxOcclusion <= 1)) throw new Error(`shapes: max_occlusion must be within [0, 1], got ${scene.maxOcclusion}`);
  if (typeof scene.classColours !== 'boolean') throw new Error(`shapes: class_colours must be true or false, got ${String(scene.classColours)}`);
  if (!Number.isInteger(scene.clutterLines) || scene.clutterLines < 0) throw new Error(`shapes: clutter_lines must be a non-negative integer, got ${scene.clutterLines}`);
}
