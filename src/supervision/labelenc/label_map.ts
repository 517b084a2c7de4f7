/**
 * LabelEnc's label map (spec §1.2, `box_encode`): per class, at every integer
 * pixel (x, y) of the padded input, `v = 1 − max(|x − cx| / w, |y − cy| / h)`
 * kept where v ≥ 0.5 (1 at the centre, 0.5 on the border, 0 outside), the
 * maximum over boxes of the same class. With augmentation (Step 1 only),
 * each box's v is multiplied by `min(2u, 1)`, u ~ U(0, 1) drawn per box.
 *
 * Built NHWC on the CPU one image at a time, touching only the pixels inside
 * each box: the cost is the map itself (B·H·W·C floats), nothing more.
 */
import type { GroundTruth } from '../../detection/heads/dense_head.js';

export function labelMap(gt: GroundTruth, numClasses: number, height: number, width: number, uniform?: () => number): Float32Array {
  const out = new Float32Array(gt.boxes.length * height * width * numClasses);
  gt.boxes.forEach((boxes, b) => {
    const labels = gt.labels[b];
    const base = b * height * width * numClasses;
    for (let k = 0; k < labels.length; k++) {
      const c = labels[k];
      if (!Number.isInteger(c) || c < 0 || c >= numClasses) throw new Error(`LabelEnc: label ${c} of image ${b} is outside [0, ${numClasses})`);
      const [x0, y0, x1, y1] = boxes.subarray(4 * k, 4 * k + 4);
      const cx = (x0 + x1) / 2;
      const cy = (y0 + y1) / 2;
      const w = x1 - x0;
      const h = y1 - y0;
      if (!(w > 0 && h > 0)) continue;
      const scale = uniform === undefined ? 1 : Math.min(2 * uniform(), 1);
      // v ≥ 0.5 only where |x − cx| ≤ w/2 and |y − cy| ≤ h/2, i.e. inside the box.
      const yFrom = Math.max(0, Math.ceil(cy - h / 2));
      const yTo = Math.min(height - 1, Math.floor(cy + h / 2));
      const xFrom = Math.max(0, Math.ceil(cx - w / 2));
      const xTo = Math.min(width - 1, Math.floor(cx + w / 2));
      for (let y = yFrom; y <= yTo; y++) {
        const dy = Math.abs(y - cy) / h;
        for (let x = xFrom; x <= xTo; x++) {
          const v = 1 - Math.max(Math.abs(x - cx) / w, dy);
          if (v < 0.5) continue;
          const i = base + (y * width + x) * numClasses + c;
          const scaled = v * scale;
          if (scaled > out[i]) out[i] = scaled;
        }
      }
    }
  });
  return out;
}
