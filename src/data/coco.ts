/**
 * A COCO-format detection dataset: reads and checks the annotation file,
 * builds the contiguous label map (category ids sorted ascending → 0..K-1),
 * and produces the records the loader decodes.
 *
 * Policy on defects: structural problems that make the file ambiguous
 * (invalid JSON, missing top-level arrays, duplicate image or category ids)
 * are errors naming the file. Defects local to one record are counted per
 * kind with the first few examples and reported once: invalid image records,
 * annotations of unknown images or categories, malformed or non-positive
 * boxes, boxes outside the image (clipped, dropped or an error, by option),
 * duplicate annotation ids. Missing image files are an error listing the
 * first few, or counted and skipped with `missing_images: skip`. Files that
 * go missing, fail to decode or differ in size from their record are found
 * while decoding; the loader skips those samples and reports them at epoch end.
 */
import { existsSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import type { ComponentConfig } from '../registry/component.js';
import { readJsonFile, type CocoAnnotation, type CocoCategory, type CocoImage, type CocoJson } from './coco_json.js';
import type { DetectionDataset, ImageRecord } from './dataset.js';
import { DataError } from './errors.js';
import { DataReport, EXAMPLES_KEPT } from './report.js';

export type InvalidBoxPolicy = 'clip' | 'drop' | 'error';

export interface CocoDatasetOptions {
  annFile: string;
  /** Folder the images' `file_name`s are relative to. */
  imgPrefix: string;
  filterEmptyGt: boolean;
  invalidBoxes: InvalidBoxPolicy;
  missingImages: 'error' | 'skip';
  pipeline: readonly ComponentConfig[];
  /** Config path or other origin, for messages. */
  source?: string;
}

/** Kinds of counted warnings, shared with the tests and reports. */
/** COCO's polygons (lists of x, y numbers) or RLE ({counts, size: [h, w]}). */
function isSegmentation(v: unknown): boolean {
  if (Array.isArray(v)) return v.every((poly) => Array.isArray(poly) && poly.length >= 6 && poly.length % 2 === 0 && poly.every(isFiniteNumber));
  if (!isObject(v)) return false;
  const { counts, size } = v as { counts?: unknown; size?: unknown };
  return (typeof counts === 'string' || (Array.isArray(counts) && counts.every(isFiniteNumber))) && Array.isArray(size) && size.length === 2 && size.every(isFiniteNumber);
}

export const W = {
  invalidImage: 'invalid image record (dropped)',
  unknownImage: 'annotation of an unknown image id (dropped)',
  unknownCategory: 'annotation of an unknown category id (dropped)',
  malformedBox: 'malformed bbox, not 4 finite numbers (dropped)',
  nonPositiveBox: 'box with non-positive width or height (dropped)',
  boxClipped: 'box outside the image (clipped)',
  boxDropped: 'box outside the image (dropped)',
  duplicateAnnotation: 'duplicate annotation id (later one dropped)',
  missingFile: 'missing image file (skipped)',
  malformedCrowd: 'iscrowd neither 0 nor 1 (dropped)',
  malformedSegmentation: 'segmentation neither polygons nor RLE (kept: boxes do not use it)',
  outsidePrefix: 'image file_name leading out of img_prefix (skipped)',
  emptyFiltered: 'image without annotations (filtered: filter_empty_gt)',
} as const;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

export class CocoDataset implements DetectionDataset {
  readonly source: string;
  readonly report: DataReport;
  readonly pipeline: readonly ComponentConfig[];
  private records: ImageRecord[] = [];
  private categories: CocoCategory[] = [];
  private categoryToLabel = new Map<number, number>();
  private gt: CocoJson | undefined;
  private loaded = false;

  constructor(private readonly options: CocoDatasetOptions) {
    this.source = options.source ?? options.annFile;
    this.report = new DataReport(this.source);
    this.pipeline = options.pipeline;
  }

  async prepare(): Promise<void> {
    this.load();
  }

  /** Reads and checks the annotation file (synchronous; called by `prepare`). */
  load(): void {
    if (this.loaded) return;
    const file = this.options.annFile;
    const json = readJsonFile(file);
    if (!isObject(json)) throw new DataError(`${file}: expected a JSON object with images, annotations and categories`);
    for (const key of ['images', 'annotations', 'categories']) {
      if (!Array.isArray(json[key])) throw new DataError(`${file}: '${key}' must be an array`);
    }
    this.readCategories(json.categories as unknown[], file);
    const images = this.readImages(json.images as unknown[], file);
    const anns = this.readAnnotations(json.annotations as unknown[], images);
    this.buildRecords(images, anns, file);
    this.loaded = true;
  }

  private readCategories(raw: unknown[], file: string): void {
    const seen = new Set<number>();
    for (const [i, c] of raw.entries()) {
      if (!isObject(c) || !Number.isInteger(c.id) || typeof c.name !== 'string') {
        throw new DataError(`${file}: categories[${i}] needs an integer 'id' and a string 'name'`);
      }
      const id = c.id as number;
      if (seen.has(id)) throw new DataError(`${file}: duplicate category id ${id} (categories[${i}])`);
      seen.add(id);
      this.categories.push({ id, name: c.name, ...(typeof c.supercategory === 'string' ? { supercategory: c.supercategory } : {}) });
    }
    if (this.categories.length === 0) throw new DataError(`${file}: no categories`);
    this.categories.sort((a, b) => a.id - b.id);
    this.categories.forEach((c, label) => this.categoryToLabel.set(c.id, label));
  }

  private readImages(raw: unknown[], file: string): Map<number, CocoImage> {
    const images = new Map<number, CocoImage>();
    for (const [i, im] of raw.entries()) {
      const ok = isObject(im) && Number.isInteger(im.id) && typeof im.file_name === 'string' && im.file_name.length > 0
        && isFiniteNumber(im.width) && isFiniteNumber(im.height) && im.width > 0 && im.height > 0;
      if (!ok) {
        this.report.add(W.invalidImage, `images[${i}] ${JSON.stringify(im).slice(0, 80)}`);
        continue;
      }
      const image = im as unknown as CocoImage;
      if (images.has(image.id)) {
        throw new DataError(`${file}: duplicate image id ${image.id} (images[${i}], file ${image.file_name})`);
      }
      images.set(image.id, image);
    }
    return images;
  }

  /** Valid annotations per image, boxes already clipped or dropped by policy. */
  private readAnnotations(raw: unknown[], images: Map<number, CocoImage>): Map<number, CocoAnnotation[]> {
    const { invalidBoxes } = this.options;
    const byImage = new Map<number, CocoAnnotation[]>();
    const seenIds = new Set<number>();
    for (const [i, a] of raw.entries()) {
      const where = `annotations[${i}]`;
      if (!isObject(a)) {
        this.report.add(W.malformedBox, `${where} is not an object`);
        continue;
      }
      const id = a.id as number;
      if (Number.isInteger(id)) {
        if (seenIds.has(id)) {
          this.report.add(W.duplicateAnnotation, `${where} id ${id}`);
          continue;
        }
        seenIds.add(id);
      }
      const image = images.get(a.image_id as number);
      if (image === undefined) {
        this.report.add(W.unknownImage, `${where} image_id ${JSON.stringify(a.image_id)}${typeof a.image_id === 'string' ? ' (a string; ids are JSON numbers)' : ''}`);
        continue;
      }
      if (!this.categoryToLabel.has(a.category_id as number)) {
        this.report.add(W.unknownCategory, `${where} category_id ${JSON.stringify(a.category_id)}${typeof a.category_id === 'string' ? ' (a string; ids are JSON numbers)' : ''}`);
        continue;
      }
      if (a.iscrowd !== undefined && ![0, 1, true, false].includes(a.iscrowd as number | boolean)) {
        this.report.add(W.malformedCrowd, `${where} iscrowd ${JSON.stringify(a.iscrowd)}`);
        continue;
      }
      if (a.segmentation !== undefined && !isSegmentation(a.segmentation)) {
        this.report.add(W.malformedSegmentation, `${where} segmentation ${JSON.stringify(a.segmentation).slice(0, 60)}`);
      }
      const bbox = a.bbox;
      if (!Array.isArray(bbox) || bbox.length !== 4 || !bbox.every(isFiniteNumber)) {
        this.report.add(W.malformedBox, `${where} bbox ${JSON.stringify(bbox)}`);
        continue;
      }
      let [x, y, w, h] = bbox as [number, number, number, number];
      if (w <= 0 || h <= 0) {
        if (invalidBoxes === 'error') throw new DataError(`${this.options.annFile}: ${where} has a non-positive box size ${JSON.stringify(bbox)} (invalid_boxes: error)`);
        this.report.add(W.nonPositiveBox, `${where} bbox ${JSON.stringify(bbox)}`);
        continue;
      }
      const outside = x < 0 || y < 0 || x + w > image.width || y + h > image.height;
      if (outside) {
        const detail = `${where} bbox ${JSON.stringify(bbox)} in ${image.width}x${image.height} ${image.file_name}`;
        if (invalidBoxes === 'error') throw new DataError(`${this.options.annFile}: ${detail} lies outside the image (invalid_boxes: error)`);
        const x1 = Math.max(0, x);
        const y1 = Math.max(0, y);
        const x2 = Math.min(image.width, x + w);
        const y2 = Math.min(image.height, y + h);
        if (invalidBoxes === 'drop' || x2 <= x1 || y2 <= y1) {
          this.report.add(W.boxDropped, detail);
          continue;
        }
        this.report.add(W.boxClipped, detail);
        [x, y, w, h] = [x1, y1, x2 - x1, y2 - y1];
      }
      const ann: CocoAnnotation = {
        id: Number.isInteger(id) ? id : -1,
        image_id: image.id,
        category_id: a.category_id as number,
        bbox: [x, y, w, h],
        area: isFiniteNumber(a.area) && a.area > 0 ? a.area : w * h,
        iscrowd: a.iscrowd === 1 || a.iscrowd === true ? 1 : 0,
      };
      const list = byImage.get(image.id);
      if (list === undefined) byImage.set(image.id, [ann]);
      else list.push(ann);
    }
    return byImage;
  }

  private buildRecords(images: Map<number, CocoImage>, anns: Map<number, CocoAnnotation[]>, file: string): void {
    const root = this.options.imgPrefix;
    const missing: string[] = [];
    let missingCount = 0;
    const keptImages: CocoImage[] = [];
    const keptAnns: CocoAnnotation[] = [];
    let nextAnnId = 1;
    for (const a of anns.values()) for (const ann of a) nextAnnId = Math.max(nextAnnId, ann.id + 1);
    for (const image of images.values()) {
      const path = isAbsolute(image.file_name) ? image.file_name : resolve(root, image.file_name);
      const inPrefix = relative(resolve(root), path);
      if (!isAbsolute(image.file_name) && (inPrefix === '..' || inPrefix.startsWith(`..${sep}`))) {
        this.report.add(W.outsidePrefix, `image id ${image.id} file_name ${image.file_name}`);
        continue;
      }
      if (!existsSync(path)) {
        missingCount += 1;
        if (missing.length < EXAMPLES_KEPT) missing.push(path);
        if (this.options.missingImages === 'skip') this.report.add(W.missingFile, path);
        continue;
      }
      const list = anns.get(image.id) ?? [];
      const record: ImageRecord = {
        imageId: image.id, fileName: image.file_name, path, height: image.height, width: image.width, boxes: [], labels: [], ignoreBoxes: [],
      };
      for (const ann of list) {
        const [x, y, w, h] = ann.bbox;
        if (ann.iscrowd === 1) record.ignoreBoxes.push(x, y, x + w, y + h);
        else {
          record.boxes.push(x, y, x + w, y + h);
          record.labels.push(this.categoryToLabel.get(ann.category_id) as number);
        }
      }
      if (this.options.filterEmptyGt && record.labels.length === 0) {
        this.report.add(W.emptyFiltered, image.file_name);
        continue;
      }
      this.records.push(record);
      keptImages.push(image);
      for (const ann of list) keptAnns.push(ann.id >= 0 ? ann : { ...ann, id: nextAnnId++ });
    }
    if (missingCount > 0 && this.options.missingImages === 'error') {
      const more = missingCount > missing.length ? `, ... (${missingCount} in all)` : '';
      throw new DataError(`${file}: ${missingCount} image file(s) not found under ${root}: ${missing.join(', ')}${more} (set missing_images: skip to skip them)`);
    }
    if (this.records.length === 0) throw new DataError(`${file}: no usable images (${this.report.lines().join('; ') || 'the file lists none'})`);
    this.gt = {
      images: keptImages.map((im) => ({ id: im.id, file_name: im.file_name, height: im.height, width: im.width })),
      annotations: keptAnns,
      categories: this.categories.map((c) => ({ ...c })),
    };
  }

  private requireLoaded(): void {
    if (!this.loaded) throw new Error(`${this.source}: dataset used before prepare()`);
  }

  get length(): number {
    this.requireLoaded();
    return this.records.length;
  }

  record(index: number): ImageRecord {
    this.requireLoaded();
    const r = this.records[index];
    if (r === undefined) throw new RangeError(`${this.source}: record ${index} out of range [0, ${this.records.length})`);
    return r;
  }

  get classes(): readonly string[] {
    this.requireLoaded();
    return this.categories.map((c) => c.name);
  }

  cocoGt(): CocoJson {
    this.requireLoaded();
    return structuredClone(this.gt as CocoJson);
  }

  labelToCategoryId(label: number): number {
    this.requireLoaded();
    const c = this.categories[label];
    if (c === undefined) throw new RangeError(`${this.source}: label ${label} out of range [0, ${this.categories.length})`);
    return c.id;
  }

  categoryIdToLabel(categoryId: number): number | undefined {
    this.requireLoaded();
    return this.categoryToLabel.get(categoryId);
  }
}
