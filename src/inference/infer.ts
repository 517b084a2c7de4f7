/**
 * `detlab infer`: a detector on image files, each written with its
 * detections drawn, and every detection in one COCO results file. Images are
 * decoded a batch ahead; one that cannot be decoded is skipped and counted.
 * The drawn images are written as they come and the JSON files at the end,
 * also after an error or an interrupt, so nothing computed is lost.
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';
import { DataReport } from '../data/report.js';
import { CountProgress, type ProgressStream } from '../train/progress.js';
import { classColour } from '../vis/palette.js';
import { drawBoxes, type DrawnBox } from '../vis/draw.js';
import { openDetector, readInput, type LoadDetectorOptions } from './load_detector.js';
import type { Detection, ImagePixels, Prediction } from './predictor.js';

export interface InferOptions extends LoadDetectorOptions {
  configFile: string;
  files: readonly string[];
  out: string;
  batchSize: number;
  /** Set to stop after the current batch (Ctrl-C). */
  stopRequested?: () => boolean;
  print?: (line: string) => void;
  progressOut?: ProgressStream;
}

export interface CocoResult {
  image_id: number;
  category_id: number;
  bbox: [number, number, number, number];
  score: number;
}

export interface InferReport {
  images: number;
  detections: number;
  skipped: DataReport;
  resultsFile: string;
}

export const SKIP_UNREADABLE = 'files that cannot be decoded as images';

/** A detection as drawn: its class colour, name and score. */
export function predictionBox(d: Detection): DrawnBox {
  return { box: d.bbox, colour: classColour(d.label), caption: `${d.className} ${d.score.toFixed(2)}` };
}

/** Writes `text` to `path` through a temporary file, so a reader never sees half a file. */
function writeAtomic(path: string, text: string): void {
  writeFileSync(`${path}.tmp`, text);
  renameSync(`${path}.tmp`, path);
}

/** Output names: the image's name as PNG, numbered when two inputs share one. */
function outputNames(files: readonly string[]): string[] {
  const used = new Map<string, number>();
  return files.map((f) => {
    const stem = basename(f, extname(f));
    const n = used.get(stem) ?? 0;
    used.set(stem, n + 1);
    return n === 0 ? `${stem}.png` : `${stem}_${n}.png`;
  });
}

export async function runInference(o: InferOptions): Promise<InferReport> {
  const print = o.print ?? ((line: string) => console.log(line));
  const { dataset, predictor } = await openDetector(o.configFile, { ...o, log: print });
  // An image of the config's val set keeps its COCO id, so the results evaluate against its annotations.
  const knownIds = new Map<string, number>();
  for (let i = 0; i < dataset.length; i++) knownIds.set(resolve(dataset.record(i).path), dataset.record(i).imageId);
  let nextId = Math.max(0, ...knownIds.values()) + 1;
  const imageIds = o.files.map((f) => knownIds.get(resolve(f)) ?? nextId++);
  const names = outputNames(o.files);

  mkdirSync(o.out, { recursive: true });
  const results: CocoResult[] = [];
  const images: { id: number; file_name: string; width: number; height: number; drawn: string }[] = [];
  const skipped = new DataReport('infer');
  const progress = new CountProgress('infer', o.files.length, o.progressOut);
  const resultsFile = join(o.out, 'results.json');
  const decode = (start: number): Promise<(ImagePixels | undefined)[]> =>
    Promise.all(o.files.slice(start, start + o.batchSize).map((f, j) => readInput(f, start + j).catch((err: Error) => {
      skipped.add(SKIP_UNREADABLE, err.message);
      return undefined;
    })));
  try {
    let pending = decode(0);
    for (let start = 0; start < o.files.length; start += o.batchSize) {
      const decoded = await pending;
      if (start + o.batchSize < o.files.length) pending = decode(start + o.batchSize);
      const present = decoded.map((image, j) => ({ image, index: start + j })).filter((e): e is { image: ImagePixels; index: number } => e.image !== undefined);
      const predictions: Prediction[] = present.length > 0 ? predictor.predictPixels(present.map((e) => e.image)) : [];
      for (const [k, p] of predictions.entries()) {
        const { image, index } = present[k];
        const id = imageIds[index];
        for (const d of p.detections) {
          const [x1, y1, x2, y2] = d.bbox;
          results.push({ image_id: id, category_id: dataset.labelToCategoryId(d.label), bbox: [x1, y1, x2 - x1, y2 - y1], score: d.score });
        }
        const rgb = { data: Uint8Array.from(image.pixels), width: image.width, height: image.height };
        writeFileSync(join(o.out, names[index]), await drawBoxes(rgb, p.detections.map(predictionBox)));
        images.push({ id, file_name: o.files[index], width: image.width, height: image.height, drawn: names[index] });
      }
      progress.advance(decoded.length);
      if (o.stopRequested?.() === true) break;
    }
  } finally {
    progress.finish();
    writeAtomic(resultsFile, `${JSON.stringify(results)}\n`);
    writeAtomic(join(o.out, 'images.json'), `${JSON.stringify(images, null, 1)}\n`);
  }
  return { images: images.length, detections: results.length, skipped, resultsFile };
}
