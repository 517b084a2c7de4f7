/**
 * After each evaluation, pictures for the run's artifacts (MMDetection's
 * DetVisualizationHook and its analysis tools, in one place):
 *
 *   images/iter_XXXXXX/<image>.png   a fixed set of val images, predictions
 *                                    solid with class and score, ground truth dashed
 *   eval/iter_XXXXXX/per_class_ap.{csv,png}
 *   eval/iter_XXXXXX/confusion_matrix.{csv,png}
 *
 * The files stay in the run directory under `vis/` and go to the tracker as
 * artifacts under the same paths.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import type { DetectionDataset, ImageRecord } from '../../data/dataset.js';
import { decodeRgb8 } from '../../data/decode.js';
import { confusionCsv, confusionMatrix, type ConfusionImage } from '../../vis/confusion_matrix.js';
import { formatPerClass } from '../../eval/index.js';
import type { RunTracker } from '../../track/tracker.js';
import { confusionMatrixPng, textPng } from '../../vis/charts.js';
import { drawBoxes, type DrawnBox } from '../../vis/draw.js';
import { classColour } from '../../vis/palette.js';
import type { CocoResult, DetectorEvaluation } from '../evaluate.js';
import { PRIORITY, type Hook, type RunControl } from '../hooks.js';
import type { VisualizationSection } from '../visualization.section.js';

/** `count` indices spread evenly over `length` (the same at every evaluation). */
export function spreadIndices(length: number, count: number): number[] {
  const n = Math.min(length, count);
  return Array.from({ length: n }, (_, k) => Math.floor((k * length) / n));
}

/** A record's ground truth and its detections, as the confusion matrix takes them. */
function confusionImage(record: ImageRecord, dets: readonly CocoResult[], dataset: DetectionDataset): ConfusionImage {
  const kept = dets.filter((d) => dataset.categoryIdToLabel(d.category_id) !== undefined);
  return {
    gtBoxes: Float32Array.from(record.boxes),
    gtLabels: Int32Array.from(record.labels),
    detBoxes: Float32Array.from(kept.flatMap((d) => [d.bbox[0], d.bbox[1], d.bbox[0] + d.bbox[2], d.bbox[1] + d.bbox[3]])),
    detScores: Float32Array.from(kept, (d) => d.score),
    detLabels: Int32Array.from(kept, (d) => dataset.categoryIdToLabel(d.category_id)!),
  };
}

export function perClassCsv(e: DetectorEvaluation): string {
  const columns = [0, 1, 2, 3, 4, 5, 8];
  const header = ['category_id', 'name', ...columns.map((j) => e.result.statNames[j])].join(',');
  const rows = e.result.perClass.map((c) => [c.categoryId, JSON.stringify(c.name), ...columns.map((j) => c.stats[j])].join(','));
  return `${header}\n${rows.join('\n')}\n`;
}

export class VisualizationHook implements Hook {
  readonly name = 'visualization';
  readonly priority = PRIORITY.normal;

  constructor(
    private readonly o: VisualizationSection,
    /** The evaluation just made (set by the run's evaluate function before `afterEval`). */
    private readonly latest: () => DetectorEvaluation | undefined,
    private readonly tracker: Pick<RunTracker, 'logArtifact'>,
  ) {}

  async afterEval(run: RunControl): Promise<void> {
    const e = this.latest();
    if (e === undefined || this.o.images === 0) return;
    const tag = `iter_${String(run.iter).padStart(6, '0')}`;
    const byImage = new Map<number, CocoResult[]>();
    for (const d of e.detections) {
      const list = byImage.get(d.image_id);
      if (list === undefined) byImage.set(d.image_id, [d]);
      else list.push(d);
    }
    const dataset = e.dataset;
    const imagesDir = join(run.runDir, 'vis', 'images', tag);
    mkdirSync(imagesDir, { recursive: true });
    for (const index of spreadIndices(dataset.length, this.o.images)) {
      const record = dataset.record(index);
      const file = join(imagesDir, `${basename(record.fileName, extname(record.fileName))}.png`);
      writeFileSync(file, await this.drawRecord(record, byImage.get(record.imageId) ?? [], dataset));
      this.tracker.logArtifact(file, `images/${tag}`);
    }

    const evalDir = join(run.runDir, 'vis', 'eval', tag);
    mkdirSync(evalDir, { recursive: true });
    const images = Array.from({ length: dataset.length }, (_, i) => dataset.record(i)).map((r) => confusionImage(r, byImage.get(r.imageId) ?? [], dataset));
    const matrix = confusionMatrix(dataset.classes.length, images, { scoreThr: this.o.score_thr, iouThr: this.o.iou_thr });
    const title = `${tag}: IoU ${this.o.iou_thr}, score >= ${this.o.score_thr}`;
    const files: [string, string | Buffer][] = [
      ['per_class_ap.csv', perClassCsv(e)],
      ['per_class_ap.png', await textPng(formatPerClass(e.result), `per-class AP, ${tag}`)],
      ['confusion_matrix.csv', confusionCsv(matrix, dataset.classes)],
      ['confusion_matrix.png', await confusionMatrixPng(matrix, dataset.classes, `confusion matrix, ${title}`)],
    ];
    for (const [name, content] of files) {
      writeFileSync(join(evalDir, name), content);
      this.tracker.logArtifact(join(evalDir, name), `eval/${tag}`);
    }
  }

  /** Ground truth dashed, predictions solid with their scores, on the original image. */
  private async drawRecord(record: ImageRecord, dets: readonly CocoResult[], dataset: DetectionDataset): Promise<Buffer> {
    const boxes: DrawnBox[] = [];
    for (let i = 0; i < record.labels.length; i++) {
      const label = record.labels[i];
      boxes.push({ box: [record.boxes[4 * i], record.boxes[4 * i + 1], record.boxes[4 * i + 2], record.boxes[4 * i + 3]], colour: classColour(label), dashed: true });
    }
    for (const d of dets) {
      const label = dataset.categoryIdToLabel(d.category_id);
      if (label === undefined || d.score < this.o.score_thr) continue;
      const [x, y, w, h] = d.bbox;
      boxes.push({ box: [x, y, x + w, y + h], colour: classColour(label), caption: `${dataset.classes[label]} ${d.score.toFixed(2)}` });
    }
    return drawBoxes(await decodeRgb8(record.path), boxes);
  }
}
