/**
 * Pixel operations on HWC float32 RGB images. Coordinates follow the pixel
 * area convention used by boxes: pixel `(x, y)` covers `[x, x+1) × [y, y+1)`,
 * so resizing by `s` maps a box edge at `x` to `x * s`.
 */

export interface Image {
  data: Float32Array;
  height: number;
  width: number;
}

/**
 * Bilinear resize with half-pixel centres (`align_corners = false`), the
 * convention under which box coordinates scale exactly by `newSize / oldSize`.
 */
export function resizeBilinear(image: Image, height: number, width: number): Image {
  const { data: src, height: h0, width: w0 } = image;
  if (height === h0 && width === w0) return { data: src.slice(), height, width };
  const out = new Float32Array(height * width * 3);
  const sy = h0 / height;
  const sx = w0 / width;
  const x0s = new Int32Array(width);
  const x1s = new Int32Array(width);
  const wxs = new Float32Array(width);
  for (let x = 0; x < width; x += 1) {
    const fx = Math.min(Math.max((x + 0.5) * sx - 0.5, 0), w0 - 1);
    const x0 = Math.floor(fx);
    x0s[x] = x0 * 3;
    x1s[x] = Math.min(x0 + 1, w0 - 1) * 3;
    wxs[x] = fx - x0;
  }
  for (let y = 0; y < height; y += 1) {
    const fy = Math.min(Math.max((y + 0.5) * sy - 0.5, 0), h0 - 1);
    const y0 = Math.floor(fy);
    const y1 = Math.min(y0 + 1, h0 - 1);
    const wy = fy - y0;
    const row0 = y0 * w0 * 3;
    const row1 = y1 * w0 * 3;
    let o = y * width * 3;
    for (let x = 0; x < width; x += 1) {
      const a = x0s[x] as number;
      const b = x1s[x] as number;
      const wx = wxs[x] as number;
      for (let c = 0; c < 3; c += 1) {
        const top = (src[row0 + a + c] as number) * (1 - wx) + (src[row0 + b + c] as number) * wx;
        const bottom = (src[row1 + a + c] as number) * (1 - wx) + (src[row1 + b + c] as number) * wx;
        out[o] = top * (1 - wy) + bottom * wy;
        o += 1;
      }
    }
  }
  return { data: out, height, width };
}

export function flipHorizontal(image: Image): Image {
  const { data: src, height, width } = image;
  const out = new Float32Array(src.length);
  for (let y = 0; y < height; y += 1) {
    const row = y * width * 3;
    for (let x = 0; x < width; x += 1) {
      const s = row + x * 3;
      const d = row + (width - 1 - x) * 3;
      out[d] = src[s] as number;
      out[d + 1] = src[s + 1] as number;
      out[d + 2] = src[s + 2] as number;
    }
  }
  return { data: out, height, width };
}

/** The window `[x0, x0 + width) × [y0, y0 + height)`, which must lie inside the image. */
export function crop(image: Image, x0: number, y0: number, width: number, height: number): Image {
  const out = new Float32Array(height * width * 3);
  for (let y = 0; y < height; y += 1) {
    const start = ((y0 + y) * image.width + x0) * 3;
    out.set(image.data.subarray(start, start + width * 3), y * width * 3);
  }
  return { data: out, height, width };
}

/** Pads at the bottom and right with `value` to `height × width`. */
export function padBottomRight(image: Image, height: number, width: number, value: number): Image {
  if (height === image.height && width === image.width) return image;
  const out = new Float32Array(height * width * 3);
  if (value !== 0) out.fill(value);
  for (let y = 0; y < image.height; y += 1) {
    out.set(image.data.subarray(y * image.width * 3, (y + 1) * image.width * 3), y * width * 3);
  }
  return { data: out, height, width };
}
