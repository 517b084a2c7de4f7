/**
 * Decodes a record's image file with sharp into HWC float32 RGB (0-255) and
 * builds the untransformed sample. Problems found here (missing or corrupt
 * file, a size that differs from the record) raise `SampleSkip`: the loader
 * skips the sample, counts it and reports at epoch end.
 */
import sharp from 'sharp';
import type { ImageRecord } from './dataset.js';
import { SampleSkip } from './errors.js';
import { imageSample } from './sample.js';
import type { Sample } from './types.js';

/** Kinds counted for skipped samples. */
export const SKIP_MISSING = 'image file missing at decode time';
export const SKIP_CORRUPT = 'image file cannot be decoded';
export const SKIP_SIZE = 'image size differs from its record';

/** Decodes to 8-bit RGB (three values per pixel), turned upright by its EXIF orientation as Detectron2 and mmcv's default read do. */
export async function decodeRgb8(path: string): Promise<{ data: Uint8Array; height: number; width: number }> {
  const { data, info } = await sharp(path, { failOn: 'error' })
    .rotate()
    .removeAlpha()
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.channels === 3) return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), height: info.height, width: info.width };
  const n = info.width * info.height;
  const out = new Uint8Array(n * 3);
  for (let p = 0; p < n; p += 1) out.fill(data[p * info.channels] as number, 3 * p, 3 * p + 3);
  return { data: out, height: info.height, width: info.width };
}

/** Decodes to RGB as float32 (0-255), as the pipeline takes it. */
export async function decodeRgb(path: string): Promise<{ data: Float32Array; height: number; width: number }> {
  const image = await decodeRgb8(path);
  return { data: Float32Array.from(image.data), height: image.height, width: image.width };
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
    ...imageSample(decoded.data, decoded.height, decoded.width, record.imageId, record.fileName),
    boxes: Float32Array.from(record.boxes),
    labels: Int32Array.from(record.labels),
    ignoreBoxes: Float32Array.from(record.ignoreBoxes),
  };
}
