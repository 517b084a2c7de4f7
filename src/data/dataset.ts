/**
 * What a detection dataset gives the loader: plain, structured-cloneable
 * records (sent to worker threads as they are) and the pipeline configs the
 * workers rebuild. Decoding happens in `decode.ts`, not in the dataset.
 */
import type { ComponentConfig } from '../registry/component.js';
import type { CocoJson } from './coco_json.js';
import type { DataReport } from './report.js';

/** One image and its annotations, in original-image pixels. */
export interface ImageRecord {
  imageId: number;
  fileName: string;
  /** Absolute path of the image file. */
  path: string;
  /** Height and width as recorded in the annotation file (checked when decoded). */
  height: number;
  width: number;
  /** Non-crowd boxes `[x1, y1, x2, y2]`, packed by four. */
  boxes: number[];
  /** Contiguous labels, one per box. */
  labels: number[];
  /** Crowd regions, packed by four. */
  ignoreBoxes: number[];
}

export interface DetectionDataset {
  /** Where the dataset came from, for messages (`data.train.dataset`, a file). */
  readonly source: string;
  /** Loads or generates what the dataset needs; idempotent. */
  prepare(): Promise<void>;
  readonly length: number;
  record(index: number): ImageRecord;
  /** Class names in label order. */
  readonly classes: readonly string[];
  /** The transform configs to run on each sample (rebuilt inside workers). */
  readonly pipeline: readonly ComponentConfig[];
  /** Counted warnings from loading (and, via the loader, from decoding). */
  readonly report: DataReport;
  /** The ground truth as a COCO JSON object, for the evaluator. */
  cocoGt(): CocoJson;
  labelToCategoryId(label: number): number;
  categoryIdToLabel(categoryId: number): number | undefined;
}
