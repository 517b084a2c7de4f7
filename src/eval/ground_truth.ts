/**
 * COCO ground truth, validated and held column-wise in file order.
 *
 * What pycocotools reads from a GT file (coco.py `createIndex`, cocoeval.py
 * `_prepare`): image ids, category ids, and per annotation `id`, `image_id`,
 * `category_id`, `bbox`, `area` (the GT area buckets use this field, which for
 * COCO instances is the mask area) and `iscrowd`. Ids must be JSON numbers:
 * pycocotools keys dictionaries by the raw JSON value, so a string id would
 * silently never match a numeric one.
 */
import { UserError } from '../config/errors.js';
import { isRecord, requireArray, requireBox, requireFiniteNumber } from './validate.js';

export interface GroundTruth {
  /** The file (or a label) the data came from, for messages. */
  readonly source: string;
  /** Distinct image ids, ascending (pycocotools `sorted(getImgIds())`). */
  readonly imageIds: Float64Array;
  /** Distinct category ids, ascending (`sorted(getCatIds())`). */
  readonly categoryIds: Float64Array;
  /** Category id -> name (empty string when the file gives none). */
  readonly categoryNames: ReadonlyMap<number, string>;
  readonly annotations: GroundTruthAnnotations;
}

/** One entry per annotation, in file order. */
export interface GroundTruthAnnotations {
  readonly count: number;
  readonly id: Float64Array;
  readonly imageId: Float64Array;
  readonly categoryId: Float64Array;
  /** `[x, y, w, h]` per annotation. */
  readonly bbox: Float64Array;
  readonly area: Float64Array;
  readonly iscrowd: Uint8Array;
  /** The explicit `ignore` field (0 when absent); used only with `honourIgnoreFlag`. */
  readonly ignore: Uint8Array;
}

function flag(value: unknown, where: string, field: string): number {
  if (value === 0 || value === false) return 0;
  if (value === 1 || value === true) return 1;
  throw new UserError(`${where}: ${field} must be 0, 1 or a boolean, got ${JSON.stringify(value)}`);
}

/** The ids in ascending order (they are distinct: a repeated id is refused while loading). */
function sortedIds(values: number[]): Float64Array {
  return Float64Array.from(values).sort();
}

/** Validates a parsed COCO GT document; `source` names it in errors (usually the file path). */
export function loadGroundTruth(doc: unknown, source: string): GroundTruth {
  if (!isRecord(doc)) throw new UserError(`${source}: a COCO ground-truth file must hold a JSON object`);
  const images = requireArray(doc.images, `${source}: "images"`);
  const imageIdList: number[] = [];
  // pycocotools keys images and categories by id: a repeated one silently replaces the first.
  const firstImage = new Map<number, number>();
  images.forEach((img, i) => {
    if (!isRecord(img)) throw new UserError(`${source}: images[${i}] must be an object`);
    const id = requireFiniteNumber(img.id, `${source}: images[${i}].id`);
    const first = firstImage.get(id);
    if (first !== undefined) throw new UserError(`${source}: images[${i}]: id ${id} repeats images[${first}].id`);
    firstImage.set(id, i);
    imageIdList.push(id);
  });
  const categories = requireArray(doc.categories, `${source}: "categories"`);
  const categoryNames = new Map<number, string>();
  const categoryIdList: number[] = [];
  categories.forEach((cat, i) => {
    if (!isRecord(cat)) throw new UserError(`${source}: categories[${i}] must be an object`);
    const id = requireFiniteNumber(cat.id, `${source}: categories[${i}].id`);
    if (categoryNames.has(id)) throw new UserError(`${source}: categories[${i}]: id ${id} repeats categories[${categoryIdList.indexOf(id)}].id`);
    categoryIdList.push(id);
    categoryNames.set(id, typeof cat.name === 'string' ? cat.name : '');
  });
  const anns = doc.annotations === undefined ? [] : requireArray(doc.annotations, `${source}: "annotations"`);
  const n = anns.length;
  const out = {
    count: n,
    id: new Float64Array(n),
    imageId: new Float64Array(n),
    categoryId: new Float64Array(n),
    bbox: new Float64Array(4 * n),
    area: new Float64Array(n),
    iscrowd: new Uint8Array(n),
    ignore: new Uint8Array(n),
  };
  const seenIds = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const ann = anns[i];
    const where = `${source}: annotations[${i}]`;
    if (!isRecord(ann)) throw new UserError(`${where} must be an object`);
    const id = requireFiniteNumber(ann.id, `${where}.id`);
    // pycocotools indexes annotations by id, so a repeated id makes it evaluate
    // the later annotation twice and drop the earlier one.
    const first = seenIds.get(id);
    if (first !== undefined) throw new UserError(`${where}: id ${id} repeats annotations[${first}].id`);
    seenIds.set(id, i);
    out.id[i] = id;
    out.imageId[i] = requireFiniteNumber(ann.image_id, `${where}.image_id`);
    out.categoryId[i] = requireFiniteNumber(ann.category_id, `${where}.category_id`);
    requireBox(ann.bbox, out.bbox, 4 * i, `${where}.bbox`);
    out.area[i] = requireFiniteNumber(ann.area, `${where}.area`);
    if (!('iscrowd' in ann)) throw new UserError(`${where}: missing "iscrowd" (0 or 1)`);
    out.iscrowd[i] = flag(ann.iscrowd, where, 'iscrowd');
    if (ann.ignore !== undefined) out.ignore[i] = flag(ann.ignore, where, 'ignore');
  }
  return {
    source,
    imageIds: sortedIds(imageIdList),
    categoryIds: sortedIds(categoryIdList),
    categoryNames,
    annotations: out,
  };
}
