/**
 * The COCO detection annotation format (the fields detlab reads), and a JSON
 * reader whose syntax errors name the file, line and column.
 */
import { readFileSync } from 'node:fs';
import { DataError } from './errors.js';

export interface CocoImage {
  id: number;
  file_name: string;
  height: number;
  width: number;
  [key: string]: unknown;
}

export interface CocoAnnotation {
  id: number;
  image_id: number;
  category_id: number;
  /** `[x, y, width, height]` in pixels. */
  bbox: [number, number, number, number];
  area: number;
  iscrowd: 0 | 1;
  [key: string]: unknown;
}

export interface CocoCategory {
  id: number;
  name: string;
  supercategory?: string;
}

export interface CocoJson {
  info?: Record<string, unknown>;
  images: CocoImage[];
  annotations: CocoAnnotation[];
  categories: CocoCategory[];
}

/** Line and column (1-based) of a character offset. */
function lineColumn(text: string, offset: number): [number, number] {
  let line = 1;
  let start = 0;
  for (let i = 0; i < offset && i < text.length; i += 1) {
    if (text.charCodeAt(i) === 10) {
      line += 1;
      start = i + 1;
    }
  }
  return [line, offset - start + 1];
}

/** Parses a JSON file; a syntax error becomes `file:line:col: invalid JSON (...)`. */
export function readJsonFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new DataError(code === 'ENOENT' ? `${file}: annotation file not found` : `${file}: cannot read (${code ?? String(err)})`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const pos = /position (\d+)/.exec(message);
    if (pos !== null) {
      const [line, col] = lineColumn(text, Number(pos[1]));
      return failJson(`${file}:${line}:${col}: invalid JSON (${message})`);
    }
    return failJson(`${file}: invalid JSON (${message})`);
  }
}

function failJson(message: string): never {
  throw new DataError(message);
}
