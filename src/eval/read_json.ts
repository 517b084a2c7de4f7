/** Reads a JSON file, turning I/O and syntax failures into one-line user errors. */
import { readFile } from 'node:fs/promises';
import { UserError } from '../config/errors.js';

function lineAndColumn(text: string, position: number): string {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < position && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return `${line}:${position - lineStart + 1}`;
}

export async function readJsonFile(path: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UserError(`${path}: cannot read the ${what} file${code ? ` (${code})` : ''}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const at = /position (\d+)/.exec(message);
    const place = at ? `${path}:${lineAndColumn(text, Number(at[1]))}` : path;
    const reason = message.replace(/ in JSON at position \d+.*$/, '');
    throw new UserError(`${place}: invalid JSON in the ${what} file (${reason})`);
  }
}
