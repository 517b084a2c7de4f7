/** The image files named on a command line: files as given, folders by their image files, sorted. */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import { UserError } from '../config/errors.js';

/** Extensions taken from a folder (a file named on its own is always tried). */
export const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg', '.webp', '.bmp', '.gif', '.tif', '.tiff', '.avif']);

export interface ImageFiles {
  files: string[];
  /** Files in the folders left out because their extension is not an image's. */
  notImages: string[];
}

export function imageFiles(paths: readonly string[]): ImageFiles {
  const files: string[] = [];
  const notImages: string[] = [];
  for (const p of paths) {
    if (!existsSync(p)) throw new UserError(`${p}: no such file or folder`);
    if (!statSync(p).isDirectory()) {
      files.push(resolve(p));
      continue;
    }
    for (const name of readdirSync(p).sort()) {
      const path = resolve(join(p, name));
      if (!statSync(path).isFile()) continue;
      (IMAGE_EXTENSIONS.has(extname(name).toLowerCase()) ? files : notImages).push(path);
    }
  }
  if (files.length === 0) throw new UserError(`no image files in ${paths.join(', ')}${notImages.length > 0 ? ` (${notImages.length} files without an image extension)` : ''}`);
  return { files, notImages };
}
