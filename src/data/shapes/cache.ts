/**
 * The shapes dataset cached by its parameters: `<root>/<key>/` where the key
 * hashes (generator version, counts, size, seed, and the scene options that
 * differ from the defaults, so the standard dataset keeps its key). A missing cache is
 * generated into a private temporary folder and renamed into place, so two
 * processes generating at once never see a half-written dataset: the first
 * rename wins and the other discards its copy.
 */
import { createHash, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { generateShapes, GENERATOR_VERSION, type ShapesParams } from './generate.js';
import { sceneOverrides, type SceneOptions } from './scene.js';

const COMPLETE = 'complete.json';

function scenePart(params: ShapesParams): { scene?: Partial<SceneOptions> } {
  const changed = params.scene === undefined ? {} : sceneOverrides(params.scene);
  return Object.keys(changed).length === 0 ? {} : { scene: changed };
}

export function shapesCacheDir(root: string, params: ShapesParams): string {
  const key = createHash('sha256')
    .update(JSON.stringify({ v: GENERATOR_VERSION, train: params.numTrain, val: params.numVal, size: params.size, seed: params.seed, ...scenePart(params) }))
    .digest('hex')
    .slice(0, 12);
  return resolve(root, `s${params.size}_n${params.numTrain}-${params.numVal}_seed${params.seed}_${key}`);
}

/** The cached dataset folder, generating it first if missing. */
export async function ensureShapes(root: string, params: ShapesParams, log: (line: string) => void = () => undefined): Promise<string> {
  const dir = shapesCacheDir(root, params);
  if (existsSync(join(dir, COMPLETE))) return dir;
  await mkdir(resolve(root), { recursive: true });
  const tmp = resolve(root, `.tmp-${randomUUID()}`);
  log(`generating shapes dataset (${params.numTrain} train + ${params.numVal} val, ${params.size}px, seed ${params.seed}) in ${dir}`);
  try {
    await generateShapes(tmp, params);
    await writeFile(join(tmp, COMPLETE), JSON.stringify({ ...params, generatorVersion: GENERATOR_VERSION }));
    await rename(tmp, dir);
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    const code = (err as NodeJS.ErrnoException).code;
    // Another process renamed its copy first: use it.
    if ((code === 'ENOTEMPTY' || code === 'EEXIST') && existsSync(join(dir, COMPLETE))) return dir;
    throw err;
  }
  return dir;
}
