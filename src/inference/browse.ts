/**
 * `detlab data browse`: a dataset as the model sees it, after its pipeline
 * (augmentations drawn as in the loader's first epoch), with its
 * ground-truth boxes, as one contact sheet (MMDetection's browse_dataset).
 * Pixels are un-normalised with the pipeline's own Normalize; a two-view
 * pipeline (TwoViews) shows its second view beside the first.
 */
import type { DetectionDataset } from '../data/dataset.js';
import { loadSample } from '../data/decode.js';
import { SampleSkip } from '../data/errors.js';
import { rngFor } from '../data/rng.js';
import { applyPipeline, type Transform } from '../data/transform.js';
import type { Sample } from '../data/types.js';
import type { ComponentConfig } from '../registry/component.js';
import { CountProgress, type ProgressStream } from '../train/progress.js';
import { contactSheet, type Tile } from '../vis/contact_sheet.js';
import { drawBoxes, type DrawnBox, type RgbImage } from '../vis/draw.js';
import { classColour, type Rgb } from '../vis/palette.js';

const IGNORE_COLOUR: Rgb = [160, 160, 160];

/** What the Normalize transform's options say (its config, defaults applied). */
export interface NormalizeOptions {
  mean: [number, number, number];
  std: [number, number, number];
  to_rgb: boolean;
}

/** The Normalize of each view: the top-level list, entering TwoViews' view1 (first) or view2 (second, view1 when null). */
export function viewNormalizers(pipeline: readonly ComponentConfig[]): [NormalizeOptions | undefined, NormalizeOptions | undefined] {
  const find = (configs: readonly ComponentConfig[], view: 1 | 2): NormalizeOptions | undefined => {
    let found: NormalizeOptions | undefined;
    for (const c of configs) {
      if (c.type === 'Normalize') found = c as unknown as NormalizeOptions;
      if (c.type === 'TwoViews') {
        const views = c as unknown as { view1: ComponentConfig[]; view2?: ComponentConfig[] | null };
        found = find(view === 2 && Array.isArray(views.view2) ? views.view2 : views.view1, view) ?? found;
      }
    }
    return found;
  };
  return [find(pipeline, 1), find(pipeline, 2)];
}

/** A pipeline's float image back to 8-bit RGB: `x * std + mean`, channels swapped back from BGR when `to_rgb` is false. */
export function denormalize(sample: Pick<Sample, 'image' | 'height' | 'width'>, n: NormalizeOptions | undefined): RgbImage {
  const data = new Uint8Array(sample.height * sample.width * 3);
  const mean = n?.mean ?? [0, 0, 0];
  const std = n?.std ?? [1, 1, 1];
  const swap = n !== undefined && !n.to_rgb;
  for (let i = 0; i < data.length; i += 3) {
    for (let c = 0; c < 3; c++) {
      const v = sample.image[i + c] * std[c] + mean[c];
      data[i + (swap ? 2 - c : c)] = Math.max(0, Math.min(255, Math.round(v)));
    }
  }
  return { data, width: sample.width, height: sample.height };
}

function gtBoxes(view: Omit<Sample, 'secondView'>, classes: readonly string[]): DrawnBox[] {
  const out: DrawnBox[] = [];
  const box = (b: Float32Array, i: number): [number, number, number, number] => [b[4 * i], b[4 * i + 1], b[4 * i + 2], b[4 * i + 3]];
  for (let i = 0; i < view.labels.length; i++) out.push({ box: box(view.boxes, i), colour: classColour(view.labels[i]), caption: classes[view.labels[i]] });
  for (let i = 0; i < view.ignoreBoxes.length / 4; i++) out.push({ box: box(view.ignoreBoxes, i), colour: IGNORE_COLOUR, caption: 'ignore', dashed: true });
  return out;
}

export interface BrowseOptions {
  dataset: DetectionDataset;
  transforms: readonly Transform[];
  /** Samples shown (each view a picture). */
  count: number;
  seed: number;
  progressOut?: ProgressStream;
}

export interface BrowseSheet {
  png: Buffer;
  samples: number;
  views: number;
  /** Records whose image could not be decoded (left out). */
  skipped: string[];
}

export async function browseSheet(o: BrowseOptions): Promise<BrowseSheet> {
  const [first, second] = viewNormalizers(o.dataset.pipeline);
  const tiles: Tile[] = [];
  const skipped: string[] = [];
  const n = Math.min(o.count, o.dataset.length);
  const progress = new CountProgress('browse', n, o.progressOut);
  let views = 1;
  for (let index = 0; index < n; index++) {
    const record = o.dataset.record(index);
    let sample: Sample;
    try {
      sample = applyPipeline(o.transforms, await loadSample(record), rngFor(o.seed, 0, index));
    } catch (err) {
      if (!(err instanceof SampleSkip)) throw err;
      skipped.push(err.message);
      continue;
    }
    tiles.push({ png: await drawBoxes(denormalize(sample, first), gtBoxes(sample, o.dataset.classes)), title: record.fileName });
    if (sample.secondView !== undefined) {
      views = 2;
      tiles.push({ png: await drawBoxes(denormalize(sample.secondView, second), gtBoxes(sample.secondView, o.dataset.classes)), title: `${record.fileName} (view 2)` });
    }
    progress.advance();
  }
  progress.finish();
  if (tiles.length === 0) throw new Error(`none of the first ${n} images of ${o.dataset.source} could be decoded (${skipped[0] ?? 'empty dataset'})`);
  const columns = views === 2 ? 2 * Math.max(1, Math.round(Math.sqrt(tiles.length / 2))) : undefined;
  return { png: await contactSheet(tiles, { columns }), samples: tiles.length / views, views, skipped };
}
