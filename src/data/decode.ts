/**
 * Decodes a record's image file with sharp into HWC float32 RGB (0-255) and
 * builds the untransformed sample. Problems found here (missing or corrupt
 * file, a size that differs from the record) raise `SampleSkip`: the loader
 * skips the sample, counts it and reports at epoch end.
 */
import sharp from 'sharp';
import type { ImageRecord } from './dataset.js';
import { SampleSkip } from './errors.js';
import type { Sample } from './types.js';

/** Kinds counted for skipped samples. */
export const SKIP_MISSING = 'image file missing at decode time';
export const SKIP_CORRUPT = 'image file cannot be decoded';
export const SKIP_SIZE = 'image size differs from its record';

/** Decodes to RGB, turned upright by its EXIF orientation as Detectron2 and mmcv's default read do. */
export async function decodeRgb(path: string): Promise<{ data: Float32Array; height: number; width: number }> {
  const { data, info } = await sharp(path, { failOn: 'error' })
    .rotate()
    .removeAlpha()
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  const n = info.width * info.height;
  const out = new Float32Array(n * 3);
  if (info.channels === 3) {
    for (let i = 0; i < out.length; i += 1) out[i] = data[i] as number;
  } else {
    for (let p = 0; p < n; p += 1) {
      const v = data[p * info.channels] as number;
      out[3 * p] = v;
      out[3 * p + 1] = v;
      out[3 * p + 2] = v;
    }
  }
  return { data: out, height: info.height, width: info.width };
}

export async function loadSample(record: ImageRecord): Promise<Sample> {
  let decoded: Awaited<ReturnType<typeof decodeRgb>>;
  try {
    decoded = await decodeRgb(record.path);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (/no such file|missing|ENOENT/i.test(message)) throw new SampleSkip(SKIP_MISSING, record.path);
    throw new SampleSkip(SKIP_CORRUPT, `${record.path}: ${message.split('\n')[0] ?? ''}`);
  }
  if (decoded.height !== record.height || decoded.width !== record.width) {
    throw new SampleSkip(
      SKIP_SIZE,
      `${record.fileName}: file is ${decoded.width}x${decoded.height}, record says ${record.width}x${record.height}`,
    );
  }
  return {
    image: decoded.data,
    height: decoded.height,
    width: decoded.width,
    boxes: Float32Array.from(record.boxes),
    labels: Int32Array.from(record.labels),
    ignoreBoxes: Float32Array.from(record.ignoreBoxes),
    meta: {
      imageId: record.imageId,
      fileName: record.fileName,
      originalShape: [decoded.height, decoded.width],
      imgShape: [decoded.height, decoded.width],
      padShape: [decoded.height, decoded.width],
      scaleFactor: [1, 1],
      flip: false,
      ops: [],
    },
  };
}
