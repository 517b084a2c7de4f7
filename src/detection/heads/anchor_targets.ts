/**
 * Batch targets of anchor-based heads from per-image assignments, built on
 * the CPU: class labels (background = C), label weights (0 for ignored
 * anchors), and the positives' global row indices, anchors and gt boxes.
 */
import type { AssignResult } from '../assigners/assign_result.js';
import type { AnchorGenerator } from '../priors/anchor_generator.js';
import type { GroundTruth } from './dense_head.js';

export interface AnchorTargets {
  labels: Int32Array;
  labelWeights: Float32Array;
  /** Row of each positive in the `[B·N, ·]` flattened outputs. */
  posIdx: Int32Array;
  posAnchors: Float32Array;
  posGts: Float32Array;
  /** Index of each positive's gt box within its image. */
  posGtIdx: Int32Array;
  numPosPerImage: number[];
}

/** Anchors of every level for maps of the given sizes, concatenated, and the count per level. */
export function multiLevelAnchors(gen: AnchorGenerator, sizes: [number, number][]): { anchors: Float32Array; levelCounts: number[] } {
  const levels = sizes.map(([h, w], l) => gen.gridAnchors(l, h, w));
  const anchors = new Float32Array(levels.reduce((n, a) => n + a.length, 0));
  let o = 0;
  for (const a of levels) {
    anchors.set(a, o);
    o += a.length;
  }
  return { anchors, levelCounts: levels.map((a) => a.length / 4) };
}

export function anchorTargets(
  anchors: Float32Array,
  gt: GroundTruth,
  numClasses: number,
  assign: (gts: Float32Array, ignore: Float32Array | undefined) => AssignResult,
): AnchorTargets {
  const n = anchors.length / 4;
  const batch = gt.boxes.length;
  if (gt.labels.length !== batch) throw new Error(`targets: ${batch} box lists but ${gt.labels.length} label lists`);
  const labels = new Int32Array(batch * n).fill(numClasses);
  const labelWeights = new Float32Array(batch * n);
  const posIdx: number[] = [];
  const posAnchors: number[] = [];
  const posGts: number[] = [];
  const posGtIdx: number[] = [];
  const numPosPerImage: number[] = [];
  for (let b = 0; b < batch; b++) {
    const boxes = gt.boxes[b];
    if (gt.labels[b].length * 4 !== boxes.length) throw new Error(`targets: image ${b} has ${boxes.length / 4} boxes but ${gt.labels[b].length} labels`);
    const r = assign(boxes, gt.ignoreBoxes?.[b]);
    let count = 0;
    for (let i = 0; i < n; i++) {
      const g = r.gtInds[i];
      const row = b * n + i;
      labelWeights[row] = g === -1 ? 0 : 1;
      if (g <= 0) continue;
      const label = gt.labels[b][g - 1];
      if (!(label >= 0 && label < numClasses)) throw new Error(`targets: image ${b} box ${g - 1} has label ${label}, outside [0, ${numClasses})`);
      labels[row] = label;
      posIdx.push(row);
      posGtIdx.push(g - 1);
      for (let k = 0; k < 4; k++) {
        posAnchors.push(anchors[4 * i + k]);
        posGts.push(boxes[4 * (g - 1) + k]);
      }
      count++;
    }
    numPosPerImage.push(count);
  }
  return {
    labels,
    labelWeights,
    posIdx: Int32Array.from(posIdx),
    posAnchors: Float32Array.from(posAnchors),
    posGts: Float32Array.from(posGts),
    posGtIdx: Int32Array.from(posGtIdx),
    numPosPerImage,
  };
}

/** mmdet's anchor-head normaliser: Σ over images of max(num_pos, 1). */
export function anchorAvgFactor(t: AnchorTargets): number {
  return t.numPosPerImage.reduce((s, p) => s + Math.max(p, 1), 0);
}
