/**
 * Evaluation figures as PNG (SVG rasterised by sharp): the confusion matrix
 * with each row in percent of its ground truth, as MMDetection plots it, and
 * a plain text table (the per-class AP table).
 */
import sharp from 'sharp';
import { escapeXml } from './svg_text.js';

const FONT = 'font-family="DejaVu Sans, Arial, sans-serif"';

function png(svg: string): Promise<Buffer> {
  return sharp(Buffer.from(svg)).png().toBuffer();
}

/** `matrix`: counts, `(C + 1)²` row-major (ground truth by row, background last). */
export function confusionMatrixPng(matrix: Float64Array, classes: readonly string[], title: string): Promise<Buffer> {
  const names = [...classes, 'background'];
  const n = names.length;
  const cell = 44;
  const label = Math.max(70, 7 * Math.max(...names.map((s) => s.length)) + 10);
  const left = label + 24;
  const top = 56;
  // Column names are written at 45 degrees below the grid: they reach about 0.7 of their length right and down.
  const width = Math.max(left + n * cell + Math.ceil(0.7 * label) + 8, Math.ceil(7 * title.length) + 24);
  const height = top + n * cell + Math.ceil(0.7 * label) + 24;
  const parts: string[] = [`<text x="${width / 2}" y="22" text-anchor="middle" font-size="14">${escapeXml(title)}</text>`];
  for (let g = 0; g < n; g++) {
    let rowSum = 0;
    for (let p = 0; p < n; p++) rowSum += matrix[g * n + p];
    for (let p = 0; p < n; p++) {
      const share = rowSum > 0 ? matrix[g * n + p] / rowSum : 0;
      const shade = Math.round(255 - 200 * share);
      const x = left + p * cell;
      const y = top + g * cell;
      parts.push(`<rect x="${x}" y="${y}" width="${cell}" height="${cell}" fill="rgb(${shade},${shade},255)" stroke="#ffffff"/>`);
      if (rowSum > 0) parts.push(`<text x="${x + cell / 2}" y="${y + cell / 2 + 4}" text-anchor="middle" font-size="11" fill="${share > 0.5 ? '#ffffff' : '#202020'}">${Math.round(100 * share)}</text>`);
    }
    parts.push(`<text x="${left - 6}" y="${top + g * cell + cell / 2 + 4}" text-anchor="end" font-size="11">${escapeXml(names[g])}</text>`);
    const cx = left + g * cell + cell / 2;
    const cy = top + n * cell + 8;
    parts.push(`<text x="${cx}" y="${cy}" font-size="11" transform="rotate(45 ${cx} ${cy})">${escapeXml(names[g])}</text>`);
  }
  parts.push(`<text x="12" y="${top + (n * cell) / 2}" font-size="12" transform="rotate(-90 12 ${top + (n * cell) / 2})" text-anchor="middle">ground truth</text>`);
  parts.push(`<text x="${left + (n * cell) / 2}" y="${top - 8}" font-size="12" text-anchor="middle">predicted (% of the row)</text>`);
  return png(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect width="100%" height="100%" fill="#ffffff"/><g ${FONT} fill="#202020">${parts.join('')}</g></svg>`);
}

/** Monospaced lines (a formatted table) on a white page. */
export function textPng(lines: readonly string[], title: string): Promise<Buffer> {
  const charW = 7.3;
  const lineH = 16;
  const width = Math.ceil(Math.max(title.length, ...lines.map((l) => l.length)) * charW) + 24;
  const height = (lines.length + 2) * lineH + 12;
  const text = [title, '', ...lines].map((l, i) => `<text x="12" y="${18 + i * lineH}" xml:space="preserve">${escapeXml(l)}</text>`).join('');
  return png(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect width="100%" height="100%" fill="#ffffff"/><g font-family="DejaVu Sans Mono, monospace" font-size="12" fill="#202020">${text}</g></svg>`);
}
