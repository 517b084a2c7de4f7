/**
 * Boxes drawn on an image: an SVG overlay (one rectangle and one caption per
 * box) composited by sharp into a PNG. Rectangles sit on whole pixels with
 * crisp edges, so a box's frame has exactly its class colour. Images whose
 * shorter side is under `minSide` are first enlarged by a whole factor
 * (nearest neighbour), so captions stay readable on small images.
 */
import sharp from 'sharp';
import { escapeXml } from './svg_text.js';
import { cssColour, textColourOn, type Rgb } from './palette.js';

/** 8-bit RGB pixels, row-major, three values per pixel. */
export interface RgbImage {
  data: Uint8Array;
  width: number;
  height: number;
}

export interface DrawnBox {
  /** `[x1, y1, x2, y2]` in the image's pixels. */
  box: readonly [number, number, number, number];
  colour: Rgb;
  caption?: string;
  /** A dashed frame (ground truth beside solid predictions). */
  dashed?: boolean;
}

export interface DrawOptions {
  /** Enlarge images with a shorter side below this (default 256; 0 never). */
  minSide?: number;
  /** Frame width in output pixels (default 2). */
  lineWidth?: number;
}

/** The whole factor drawing enlarges an image of this size by. */
export function drawScale(width: number, height: number, minSide = 256): number {
  return minSide <= 0 ? 1 : Math.max(1, Math.ceil(minSide / Math.min(width, height)));
}


/** The overlay for an image of `width` x `height` whose boxes are scaled by `scale`. */
export function overlaySvg(width: number, height: number, boxes: readonly DrawnBox[], scale: number, lineWidth = 2): string {
  const fontSize = Math.max(10, Math.min(16, Math.round(Math.min(width, height) / 24)));
  const frames: string[] = [];
  const captions: string[] = [];
  for (const b of boxes) {
    const [x1, y1, x2, y2] = b.box.map((v) => Math.round(v * scale));
    const colour = cssColour(b.colour);
    const dash = b.dashed === true ? ` stroke-dasharray="${3 * lineWidth} ${2 * lineWidth}"` : '';
    frames.push(`<rect x="${x1}" y="${y1}" width="${Math.max(x2 - x1, 0)}" height="${Math.max(y2 - y1, 0)}" stroke="${colour}" stroke-width="${lineWidth}"${dash}/>`);
    if (b.caption === undefined || b.caption === '') continue;
    const textWidth = Math.ceil(0.62 * fontSize * b.caption.length) + 4;
    const boxHeight = fontSize + 4;
    // Above the box when there is room, else just inside its top edge.
    const top = y1 - lineWidth / 2 - boxHeight >= 0 ? y1 - lineWidth / 2 - boxHeight : y1 + lineWidth / 2;
    const left = Math.min(Math.max(x1 - lineWidth / 2, 0), Math.max(width - textWidth, 0));
    captions.push(
      `<rect x="${left}" y="${top}" width="${textWidth}" height="${boxHeight}" fill="${colour}"/>`,
      `<text x="${left + 2}" y="${top + fontSize}" fill="${cssColour(textColourOn(b.colour))}">${escapeXml(b.caption)}</text>`,
    );
  }
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">`,
    `<g fill="none" shape-rendering="crispEdges">${frames.join('')}</g>`,
    `<g font-family="DejaVu Sans, Arial, sans-serif" font-size="${fontSize}" shape-rendering="crispEdges">${captions.join('')}</g>`,
    '</svg>',
  ].join('');
}

/** The image with its boxes drawn, as PNG bytes. */
export async function drawBoxes(image: RgbImage, boxes: readonly DrawnBox[], o: DrawOptions = {}): Promise<Buffer> {
  const scale = drawScale(image.width, image.height, o.minSide ?? 256);
  const width = image.width * scale;
  const height = image.height * scale;
  let base = sharp(Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength), { raw: { width: image.width, height: image.height, channels: 3 } });
  if (scale > 1) base = sharp(await base.resize(width, height, { kernel: 'nearest' }).raw().toBuffer(), { raw: { width, height, channels: 3 } });
  const svg = overlaySvg(width, height, boxes, scale, o.lineWidth ?? 2);
  return base.composite([{ input: Buffer.from(svg), top: 0, left: 0 }]).png().toBuffer();
}
