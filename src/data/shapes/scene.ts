/**
 * One synthetic scene: a textured background and several shapes, later ones
 * on top of earlier ones. Boxes are each shape's full geometric box (what an
 * amodal annotator would draw), not its visible part; a shape more than
 * `maxOcclusion` hidden by later shapes is not annotated, as an annotator
 * would skip a fragment. `area` is the shape's full pixel area (coverage),
 * which puts it in COCO's small/medium/large buckets by its true size.
 */
import { randInt, uniform, type Rng } from '../rng.js';
import { drawBackground, drawShape, shapeTest, SHAPE_CLASSES, type Canvas } from './raster.js';

/** Largest object side, as a fraction of the image side. */
export const MAX_SIDE_FRACTION = 0.75;

/** How hard a scene is; the defaults are the dataset's standard difficulty. */
export interface SceneOptions {
  /** Smallest object side, in pixels. */
  minSide: number;
  /** Objects drawn per image, `[min, max]` inclusive (before occlusion filtering). */
  objects: [number, number];
  /** A shape hidden by more than this fraction is not annotated (0 to 1). */
  maxOcclusion: number;
  /** At most this many clutter strokes in the background. */
  clutterLines: number;
  /** Each class drawn in its own hue (a colour cue beside the shape) instead of a random colour. */
  classColours: boolean;
}

export const DEFAULT_SCENE: Readonly<SceneOptions> = { minSide: 8, objects: [2, 9], maxOcclusion: 0.7, clutterLines: 5, classColours: false };

/** One saturated colour per class, in `SHAPE_CLASSES` order; `classColours` jitters it by up to ±30 per channel. */
const CLASS_COLOURS = [[230, 40, 40], [40, 200, 40], [40, 80, 230], [240, 220, 30], [220, 40, 220], [30, 220, 220]];

/** The options that differ from the defaults (empty for the standard dataset). */
export function sceneOverrides(scene: SceneOptions): Partial<SceneOptions> {
  const out: Partial<SceneOptions> = {};
  for (const key of Object.keys(DEFAULT_SCENE) as (keyof SceneOptions)[]) {
    if (JSON.stringify(scene[key]) !== JSON.stringify(DEFAULT_SCENE[key])) Object.assign(out, { [key]: scene[key] });
  }
  return out;
}

export interface SceneObject {
  /** Index into `SHAPE_CLASSES`. */
  label: number;
  /** `[x1, y1, x2, y2]`, integer pixel edges. */
  box: [number, number, number, number];
  area: number;
}

export interface Scene {
  pixels: Uint8Array;
  objects: SceneObject[];
}

export function renderScene(size: number, rng: Rng, scene: SceneOptions = DEFAULT_SCENE): Scene {
  const canvas: Canvas = { pixels: new Uint8Array(size * size * 3), size, owner: new Uint16Array(size * size) };
  drawBackground(canvas, rng, scene.clutterLines);
  const count = randInt(rng, scene.objects[0], scene.objects[1]);
  const drawn: (SceneObject & { coverage: number })[] = [];
  const minSide = scene.minSide;
  const maxSide = Math.max(minSide + 1, Math.floor(size * MAX_SIDE_FRACTION));
  for (let i = 0; i < count; i += 1) {
    const label = randInt(rng, 0, SHAPE_CLASSES.length - 1);
    // Log-uniform sizes spread objects evenly over scales, from minSide to most of the image.
    const side = Math.exp(uniform(rng, Math.log(minSide), Math.log(maxSide)));
    const aspect = Math.exp(uniform(rng, -0.35, 0.35));
    const w = Math.max(minSide, Math.min(size, Math.round(side * aspect)));
    const h = Math.max(minSide, Math.min(size, Math.round(side / aspect)));
    const x1 = randInt(rng, 0, size - w);
    const y1 = randInt(rng, 0, size - h);
    const colour = scene.classColours
      ? (CLASS_COLOURS[label] as number[]).map((c) => Math.min(255, Math.max(0, c + randInt(rng, -30, 30))))
      : [randInt(rng, 0, 255), randInt(rng, 0, 255), randInt(rng, 0, 255)];
    const box: [number, number, number, number] = [x1, y1, x1 + w, y1 + h];
    const coverage = drawShape(canvas, box, shapeTest(SHAPE_CLASSES[label] as (typeof SHAPE_CLASSES)[number], rng), colour, uniform(rng, 0, 20), i + 1, rng);
    drawn.push({ label, box, area: coverage, coverage });
  }
  const visible = new Float64Array(count + 1);
  for (const id of canvas.owner) visible[id] = (visible[id] as number) + 1;
  const objects = drawn
    .filter((o, i) => (visible[i + 1] as number) >= (1 - scene.maxOcclusion) * o.coverage)
    .map(({ label, box, area }) => ({ label, box, area }));
  return { pixels: canvas.pixels, objects };
}
