/**
 * Shared by the PAA box-loss tests: hand IoU / GIoU of two boxes, a two-image
 * ground truth on two levels, and a head's decoded positives read through its
 * own (protected) target and loss-input steps.
 */
import { tf, type Tensor2D, type Tensor4D } from '../../src/engine/tf.js';
import type { AnchorTargets } from '../../src/detection/heads/anchor_targets.js';
import type { GroundTruth, HeadOutputs } from '../../src/detection/heads/dense_head.js';
import type { PaaStyleHead } from '../../src/detection/heads/paa_style_head.js';

export type Box = [number, number, number, number];

function area([x1, y1, x2, y2]: Box): number {
  return Math.max(x2 - x1, 0) * Math.max(y2 - y1, 0);
}

/** IoU and 1 − GIoU of two boxes by hand. */
export function iouGiou(p: Box, t: Box): { iou: number; giouLoss: number } {
  const inter = area([Math.max(p[0], t[0]), Math.max(p[1], t[1]), Math.min(p[2], t[2]), Math.min(p[3], t[3])]);
  const union = area(p) + area(t) - inter;
  const enclose = area([Math.min(p[0], t[0]), Math.min(p[1], t[1]), Math.max(p[2], t[2]), Math.max(p[3], t[3])]);
  const iou = inter / union;
  return { iou, giouLoss: 1 - (iou - (enclose - union) / enclose) };
}

/** A small PAA head's options: 8 channels, 3 classes, strides 8 and 16 (64 px images). */
export const SMALL_PAA = {
  in_channels: 8, feat_channels: 8, stacked_convs: 1, num_classes: 3, norm: { type: 'GN', num_groups: 4 },
  anchor_generator: { strides: [8, 16], octave_base_scale: 4, scales_per_octave: 1, ratios: [1], center_offset: 0 },
};

export const PAA_GT: GroundTruth = {
  boxes: [Float32Array.of(4, 4, 36, 30, 30, 20, 62, 60), Float32Array.of(10, 12, 50, 44)],
  labels: [Int32Array.of(0, 2), Int32Array.of(1)],
  ignoreBoxes: [new Float32Array(0), new Float32Array(0)],
};

/** Seeded 8-channel features of two images at strides 8 and 16 of 64 px. */
export function paaFeatures(): Tensor4D[] {
  return [tf.randomNormal([2, 8, 8, 8], 0, 1, 'float32', 3), tf.randomNormal([2, 4, 4, 8], 0, 1, 'float32', 4)] as Tensor4D[];
}

/** The head's positives: decoded boxes and their assigned gts (without an IoU branch, zeros stand in for its map, as the loss does). */
export function decodedPositives(head: PaaStyleHead, outs: HeadOutputs, gt: GroundTruth): { boxes: Box[]; gts: Box[] } {
  const internals = head as unknown as {
    buildTargets(o: HeadOutputs, g: GroundTruth): AnchorTargets;
    lossInputs(o: HeadOutputs, t: AnchorTargets): { posBoxes?: Tensor2D };
  };
  const stand = outs.quality === undefined ? outs.reg.map((r) => tf.zeros([r.shape[0], r.shape[1], r.shape[2], 1]) as Tensor4D) : [];
  const targets = internals.buildTargets(outs, gt);
  const posBoxes = internals.lossInputs(stand.length > 0 ? { ...outs, quality: stand } : outs, targets).posBoxes!;
  const boxes = posBoxes.arraySync() as Box[];
  tf.dispose([posBoxes, ...stand]);
  const gts = boxes.map((_, k) => Array.from(targets.posGts.subarray(4 * k, 4 * k + 4)) as Box);
  return { boxes, gts };
}
