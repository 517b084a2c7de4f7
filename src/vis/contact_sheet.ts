/** Pictures tiled into one PNG, each with a title line under it (browse sheets, the hook's overview). */
import sharp, { type OverlayOptions } from 'sharp';
import { escapeXml } from './svg_text.js';

export interface Tile {
  png: Buffer;
  title?: string;
}

export interface SheetOptions {
  /** Tiles per row (default: the square root of the count, rounded up). */
  columns?: number;
  gap?: number;
}


export async function contactSheet(tiles: readonly Tile[], o: SheetOptions = {}): Promise<Buffer> {
  if (tiles.length === 0) throw new Error('a contact sheet needs at least one picture');
  const sizes = await Promise.all(tiles.map(async (t) => {
    const m = await sharp(t.png).metadata();
    return { width: m.width ?? 0, height: m.height ?? 0 };
  }));
  const columns = o.columns ?? Math.ceil(Math.sqrt(tiles.length));
  const gap = o.gap ?? 8;
  const titleHeight = tiles.some((t) => t.title !== undefined) ? 18 : 0;
  const cellW = Math.max(...sizes.map((s) => s.width));
  const cellH = Math.max(...sizes.map((s) => s.height)) + titleHeight;
  const rows = Math.ceil(tiles.length / columns);
  const width = columns * cellW + (columns + 1) * gap;
  const height = rows * cellH + (rows + 1) * gap;
  const titles: string[] = [];
  const layers: OverlayOptions[] = tiles.map((t, i) => {
    const left = gap + (i % columns) * (cellW + gap);
    const top = gap + Math.floor(i / columns) * (cellH + gap);
    if (t.title !== undefined) titles.push(`<text x="${left}" y="${top + sizes[i].height + 14}">${escapeXml(t.title)}</text>`);
    return { input: t.png, left, top };
  });
  if (titles.length > 0) {
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><g font-family="DejaVu Sans, Arial, sans-serif" font-size="12" fill="#202020">${titles.join('')}</g></svg>`;
    layers.push({ input: Buffer.from(svg), left: 0, top: 0 });
  }
  return sharp({ create: { width, height, channels: 3, background: { r: 255, g: 255, b: 255 } } }).composite(layers).png().toBuffer();
}
