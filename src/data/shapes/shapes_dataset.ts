/**
 * The synthetic shapes dataset as a `DetectionDataset`: `prepare()` makes
 * sure the cached copy exists (generating it on first use), then reads the
 * split like any COCO dataset.
 */
import type { ComponentConfig } from '../../registry/component.js';
import { CocoDataset, type InvalidBoxPolicy } from '../coco.js';
import type { CocoJson } from '../coco_json.js';
import type { DetectionDataset, ImageRecord } from '../dataset.js';
import { DataReport } from '../report.js';
import { ensureShapes } from './cache.js';
import { annotationFile, imageFolder, type ShapesParams, type Split } from './generate.js';

export interface ShapesDatasetOptions extends ShapesParams {
  root: string;
  split: Split;
  filterEmptyGt: boolean;
  pipeline: readonly ComponentConfig[];
  source: string;
  log?: (line: string) => void;
}

export class ShapesDataset implements DetectionDataset {
  readonly source: string;
  readonly pipeline: readonly ComponentConfig[];
  private coco: CocoDataset | undefined;

  constructor(private readonly options: ShapesDatasetOptions) {
    this.source = options.source;
    this.pipeline = options.pipeline;
  }

  async prepare(): Promise<void> {
    if (this.coco !== undefined) return;
    const { root, split, numTrain, numVal, size, seed, scene } = this.options;
    const dir = await ensureShapes(root, { numTrain, numVal, size, seed, scene }, this.options.log ?? ((line) => console.log(line)));
    const invalidBoxes: InvalidBoxPolicy = 'error';
    const coco = new CocoDataset({
      annFile: annotationFile(dir, split),
      imgPrefix: imageFolder(dir, split),
      filterEmptyGt: this.options.filterEmptyGt,
      invalidBoxes,
      missingImages: 'error',
      pipeline: this.pipeline,
      source: this.source,
    });
    coco.load();
    this.coco = coco;
  }

  private get loaded(): CocoDataset {
    if (this.coco === undefined) throw new Error(`${this.source}: dataset used before prepare()`);
    return this.coco;
  }

  get report(): DataReport {
    return this.coco?.report ?? new DataReport(this.source);
  }

  get length(): number {
    return this.loaded.length;
  }

  record(index: number): ImageRecord {
    return this.loaded.record(index);
  }

  get classes(): readonly string[] {
    return this.loaded.classes;
  }

  cocoGt(): CocoJson {
    return this.loaded.cocoGt();
  }

  labelToCategoryId(label: number): number {
    return this.loaded.labelToCategoryId(label);
  }

  categoryIdToLabel(categoryId: number): number | undefined {
    return this.loaded.categoryIdToLabel(categoryId);
  }
}
