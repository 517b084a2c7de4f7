/**
 * Seeded synthetic COCO ground truth and results that exercise pycocotools'
 * corner cases: crowds, images without GT, categories without GT, scores
 * that tie, boxes and GT areas exactly on the 32²/96² bounds, IoUs exactly on
 * a threshold (integer boxes cropped to k/20 of a GT), identical GT twins,
 * more than 100 detections in one image, duplicated detections, an explicit
 * `ignore` field, and GT id 0.
 */

/** mulberry32: a small, well-mixed 32-bit generator; enough for test data. */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface SyntheticOptions {
  images: number;
  categories: number;
  /** Mean GT boxes per image with GT. */
  gtPerImage: number;
  /** Fraction of images without any GT. */
  emptyImageRate: number;
  /** Mean detections per image (beside the crowded images). */
  detsPerImage: number;
  crowdRate: number;
  /** Scores rounded to this many decimals (1 gives many ties). */
  scoreDecimals: number;
  /** Integer coordinates (exact IoU values such as 0.5 become common). */
  integerBoxes: boolean;
  /** Images that get 100-180 detections of one category. */
  crowdedImages: number;
  /** Fraction of detections duplicated verbatim. */
  duplicateRate: number;
  /** Give one GT annotation the id 0 (pycocotools' "unmatched" sentinel). */
  gtIdZero: boolean;
}

export interface SyntheticCoco {
  gt: { images: { id: number; width: number; height: number }[]; categories: { id: number; name: string }[]; annotations: Record<string, unknown>[] };
  dt: { image_id: number; category_id: number; bbox: number[]; score: number }[];
}

/** Per-case knobs drawn from the seed, so a batch of seeds covers many regimes. */
export function randomOptions(seed: number): SyntheticOptions {
  const rnd = seededRandom(seed ^ 0x9e3779b9);
  return {
    images: 5 + Math.floor(rnd() * 40),
    categories: 2 + Math.floor(rnd() * 8),
    gtPerImage: 1 + rnd() * 8,
    emptyImageRate: rnd() * 0.3,
    detsPerImage: 2 + rnd() * 20,
    crowdRate: rnd() * 0.15,
    scoreDecimals: rnd() < 0.4 ? 1 : rnd() < 0.5 ? 2 : 6,
    integerBoxes: rnd() < 0.5,
    crowdedImages: rnd() < 0.5 ? 1 + Math.floor(rnd() * 2) : 0,
    duplicateRate: rnd() * 0.1,
    gtIdZero: rnd() < 0.3,
  };
}

const BOUND_SIZES: readonly [number, number][] = [
  [32, 32], [16, 64], [96, 96], [48, 192], [31, 33], [97, 95],
];

export function generateCoco(seed: number, o: SyntheticOptions): SyntheticCoco {
  const rnd = seededRandom(seed);
  const int = (n: number) => Math.floor(rnd() * n);
  const coord = (v: number) => (o.integerBoxes ? Math.round(v) : Math.round(v * 100) / 100);
  const size = 640;

  // Non-contiguous, unsorted ids, as real files have.
  const imageIds = Array.from({ length: o.images }, (_, i) => 1000 + 7 * i + int(5));
  for (let i = imageIds.length - 1; i > 0; i--) {
    const j = int(i + 1);
    [imageIds[i], imageIds[j]] = [imageIds[j], imageIds[i]];
  }
  const categoryIds = Array.from({ length: o.categories }, (_, i) => 1 + 3 * i);
  // The last category never gets GT: an absent category, with detections anyway.
  const gtCategories = o.categories > 1 ? categoryIds.slice(0, -1) : categoryIds;

  const randomBox = (): number[] => {
    if (rnd() < 0.15) {
      const [w, h] = BOUND_SIZES[int(BOUND_SIZES.length)];
      return [coord(rnd() * (size - w)), coord(rnd() * (size - h)), w, h];
    }
    const w = Math.max(1, coord(Math.exp(1.5 + rnd() * 4.5)));
    let h = Math.max(1, coord(w * (0.3 + rnd() * 1.7)));
    // Heights in multiples of 20 let a crop to k/20 of the height give an IoU exactly on a threshold.
    if (o.integerBoxes && rnd() < 0.4) h = 20 * Math.max(1, Math.round(h / 20));
    return [coord(rnd() * (size - Math.min(w, size - 1))), coord(rnd() * (size - Math.min(h, size - 1))), w, h];
  };

  const annotations: Record<string, unknown>[] = [];
  const gtByImage = new Map<number, { cat: number; bbox: number[] }[]>();
  let nextId = o.gtIdZero ? 0 : 1;
  for (const imageId of imageIds) {
    const list: { cat: number; bbox: number[] }[] = [];
    gtByImage.set(imageId, list);
    if (rnd() < o.emptyImageRate) continue;
    const n = Math.max(0, Math.round(o.gtPerImage * (0.5 + rnd())));
    for (let j = 0; j < n; j++) {
      const cat = gtCategories[int(gtCategories.length)];
      const bbox = randomBox();
      const boxArea = bbox[2] * bbox[3];
      // The GT `area` field is the mask area in COCO: below the box area, or exactly on a bound.
      const r = rnd();
      const area = r < 0.1 ? 1024 : r < 0.2 ? 9216 : r < 0.6 ? boxArea : Math.round(boxArea * (0.5 + 0.5 * rnd()) * 100) / 100;
      const ann: Record<string, unknown> = { id: nextId++, image_id: imageId, category_id: cat, bbox, area, iscrowd: rnd() < o.crowdRate ? 1 : 0 };
      if (rnd() < 0.1) ann.ignore = 1;
      annotations.push(ann);
      list.push({ cat, bbox });
      // An identical twin GT: equal IoUs, where the first in order must win.
      if (rnd() < 0.05) {
        annotations.push({ ...ann, id: nextId++, bbox: [...bbox], area: rnd() < 0.5 ? area : boxArea });
        list.push({ cat, bbox });
      }
    }
  }
  // File order of annotations is not grouped by image.
  for (let i = annotations.length - 1; i > 0; i--) {
    if (rnd() < 0.3) {
      const j = int(i + 1);
      [annotations[i], annotations[j]] = [annotations[j], annotations[i]];
    }
  }

  const score = () => {
    const f = 10 ** o.scoreDecimals;
    return Math.round(rnd() * f) / f;
  };
  const jitter = (b: number[], amount: number): number[] => {
    const dx = (rnd() - 0.5) * amount * b[2];
    const dy = (rnd() - 0.5) * amount * b[3];
    const w = Math.max(0, coord(b[2] * (1 + (rnd() - 0.5) * amount)));
    const h = Math.max(0, coord(b[3] * (1 + (rnd() - 0.5) * amount)));
    return [coord(b[0] + dx), coord(b[1] + dy), w, h];
  };
  const dt: SyntheticCoco['dt'] = [];
  for (const imageId of imageIds) {
    const gts = gtByImage.get(imageId) ?? [];
    for (const g of gts) {
      const copies = int(3);
      for (let c = 0; c < copies; c++) {
        const [gx, gy, gw, gh] = g.bbox;
        const r = rnd();
        const bbox =
          o.integerBoxes && gh % 20 === 0 && r < 0.3
            ? [gx, gy, gw, (gh * (10 + int(10))) / 20]
            : r < 0.5
              ? [...g.bbox]
              : jitter(g.bbox, rnd() < 0.5 ? 0.2 : 0.6);
        const cat = rnd() < 0.9 ? g.cat : categoryIds[int(categoryIds.length)];
        dt.push({ image_id: imageId, category_id: cat, bbox, score: score() });
      }
    }
    const extra = Math.round(o.detsPerImage * rnd());
    for (let j = 0; j < extra; j++) {
      dt.push({ image_id: imageId, category_id: categoryIds[int(categoryIds.length)], bbox: randomBox(), score: score() });
    }
  }
  for (let c = 0; c < o.crowdedImages; c++) {
    const imageId = imageIds[int(imageIds.length)];
    const gts = gtByImage.get(imageId) ?? [];
    const cat = gts.length > 0 ? gts[0].cat : categoryIds[0];
    const n = 100 + int(80);
    for (let j = 0; j < n; j++) {
      const bbox = gts.length > 0 && rnd() < 0.5 ? jitter(gts[int(gts.length)].bbox, 0.4) : randomBox();
      dt.push({ image_id: imageId, category_id: cat, bbox, score: score() });
    }
  }
  const withDuplicates: SyntheticCoco['dt'] = [];
  for (const d of dt) {
    withDuplicates.push(d);
    if (rnd() < o.duplicateRate) withDuplicates.push({ ...d, bbox: [...d.bbox] });
  }
  return {
    gt: {
      images: imageIds.map((id) => ({ id, width: size, height: size })),
      categories: categoryIds.map((id) => ({ id, name: `class_${id}` })),
      annotations,
    },
    dt: withDuplicates,
  };
}

/**
 * A large set for the benchmark: `images` images, exactly `detections`
 * detections (when the draw gives at least that many), 80 categories, ~7 GT
 * per image, scores at 3 decimals.
 */
export function generateBenchCoco(seed: number, images: number, detections: number): SyntheticCoco {
  const coco = generateCoco(seed, {
    images,
    categories: 80,
    gtPerImage: 7,
    emptyImageRate: 0.01,
    detsPerImage: 2 * (detections / images - 6),
    crowdRate: 0.01,
    scoreDecimals: 3,
    integerBoxes: false,
    crowdedImages: 0,
    duplicateRate: 0,
    gtIdZero: false,
  });
  coco.dt.length = Math.min(coco.dt.length, detections);
  return coco;
}
