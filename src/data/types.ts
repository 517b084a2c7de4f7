/**
 * What the data pipeline hands to models. Boxes are `[x1, y1, x2, y2]` in
 * pixels of the network input (after every transform, before nothing), packed
 * four floats per box. `ImageMeta` records each transform so predictions map
 * back to the original image exactly.
 */
import type { Tensor4D } from '../engine/tf.js';

export interface ImageMeta {
  /** COCO image id. */
  imageId: number;
  fileName: string;
  /** Height and width of the decoded image file. */
  originalShape: [number, number];
  /** Height and width of the image content after resize/crop, before padding. */
  imgShape: [number, number];
  /** Height and width of the padded tensor slot. */
  padShape: [number, number];
  /** `[sx, sy]` applied by Resize (1 when not resized). */
  scaleFactor: [number, number];
  /** Horizontal flip applied after resize/crop. */
  flip: boolean;
  /** Crop window `[x1, y1, x2, y2]` in resized-image pixels, when RandomCrop ran. */
  cropBox?: [number, number, number, number];
  /**
   * The geometric transforms in the order they ran (`resize`, `crop`, `flip`,
   * `pad`), so a point of the network input maps back to the original image
   * even when a pipeline flips before it crops. Optional: absent means the
   * MMDetection order resize → crop → flip → pad.
   */
  ops?: GeometricOp[];
}

/** One geometric step recorded in `ImageMeta.ops`. */
export type GeometricOp =
  | { op: 'resize'; scaleFactor: [number, number] }
  | { op: 'crop'; box: [number, number, number, number] }
  | { op: 'flip'; width: number }
  | { op: 'pad'; shape: [number, number] };

/** One image after its transforms, before batching. */
export interface Sample {
  /** HWC float32 pixels, `height * width * 3` values. */
  image: Float32Array;
  height: number;
  width: number;
  /** Non-crowd boxes, 4 floats each. */
  boxes: Float32Array;
  /** Contiguous class indices in `[0, numClasses)`, one per box. */
  labels: Int32Array;
  /** Crowd (iscrowd = 1) regions kept as ignore boxes, 4 floats each. */
  ignoreBoxes: Float32Array;
  meta: ImageMeta;
  /** A second, independently augmented view of the same image (TwoViews), for contrastive supervisors. */
  secondView?: Omit<Sample, 'secondView'>;
}

/** A padded NHWC batch and its per-image targets. The consumer disposes `images`. */
export interface Batch {
  images: Tensor4D;
  boxes: Float32Array[];
  labels: Int32Array[];
  ignoreBoxes: Float32Array[];
  metas: ImageMeta[];
  /** A second augmented view of the same images (TwoViews), for contrastive supervisors. */
  secondView?: Omit<Batch, 'secondView'>;
}
