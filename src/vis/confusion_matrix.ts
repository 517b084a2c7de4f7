/**
 * The detection confusion matrix of MMDetection's
 * tools/analysis_tools/confusion_matrix.py: rows are ground-truth classes,
 * columns predicted classes, each with a last "background" entry. Each
 * detection scoring at least `scoreThr` adds 1 to (gt class, its class) for
 * every ground-truth box it overlaps with IoU >= `iouThr` (so one detection
 * can count more than once), or to (background, its class) when it overlaps
 * none; a ground-truth box that no detection of its own class matched adds 1
 * to (its class, background). IoU without the +1 (mmdet's bbox_overlaps).
 */
import { boxOverlaps } from '../detection/boxes.js';

export interface ConfusionImage {
  /** Ground-truth boxes `[x1, y1, x2, y2]` packed by four, and their contiguous labels. */
  gtBoxes: Float32Array;
  gtLabels: Int32Array;
  detBoxes: Float32Array;
  detScores: Float32Array;
  detLabels: Int32Array;
}

export interface ConfusionOptions {
  /** Detections below this score are ignored (default 0.3, as the script). */
  scoreThr?: number;
  /** Overlap that makes a detection hit a ground-truth box (default 0.5). */
  iouThr?: number;
}

/** Counts, `(C + 1) x (C + 1)` row-major: entry `[g * (C + 1) + p]`, index C being background. */
export function confusionMatrix(numClasses: number, images: Iterable<ConfusionImage>, o: ConfusionOptions = {}): Float64Array {
  const scoreThr = o.scoreThr ?? 0.3;
  const iouThr = o.iouThr ?? 0.5;
  const n = numClasses + 1;
  const matrix = new Float64Array(n * n);
  for (const img of images) {
    const numGt = img.gtLabels.length;
    const truePositives = new Int32Array(numGt);
    const ious = boxOverlaps(img.detBoxes, img.gtBoxes);
    for (let d = 0; d < img.detLabels.length; d++) {
      if (img.detScores[d] < scoreThr) continue;
      const label = img.detLabels[d];
      let matched = 0;
      for (let g = 0; g < numGt; g++) {
        if (ious[d * numGt + g] < iouThr) continue;
        matched += 1;
        if (img.gtLabels[g] === label) truePositives[g] += 1;
        matrix[img.gtLabels[g] * n + label] += 1;
      }
      if (matched === 0) matrix[numClasses * n + label] += 1;
    }
    for (let g = 0; g < numGt; g++) if (truePositives[g] === 0) matrix[img.gtLabels[g] * n + numClasses] += 1;
  }
  return matrix;
}

/** The counts as CSV: a header of predicted classes, one row per ground-truth class, background last in both. */
export function confusionCsv(matrix: Float64Array, classes: readonly string[]): string {
  const names = [...classes, 'background'];
  const quote = (s: string): string => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const rows = names.map((name, g) => [quote(name), ...names.map((_, p) => String(matrix[g * names.length + p]))].join(','));
  return `${['gt \\ predicted', ...names.map(quote)].join(',')}\n${rows.join('\n')}\n`;
}
