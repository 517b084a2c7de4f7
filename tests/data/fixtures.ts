/** Paths and small builders shared by the data tests. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BuildContext, Component, ComponentConfig } from '../../src/registry/component.js';
import { buildPipeline } from '../../src/data/pipeline.js';
import type { Transform } from '../../src/data/transform.js';
import { Normalize } from '../../registry/transforms/normalize.js';
import { Pad } from '../../registry/transforms/pad.js';
import { PhotometricJitter } from '../../registry/transforms/photometric_jitter.js';
import { RandomCrop } from '../../registry/transforms/random_crop.js';
import { RandomFlip } from '../../registry/transforms/random_flip.js';
import { Resize } from '../../registry/transforms/resize.js';
import { TwoViews } from '../../registry/transforms/two_views.js';

/** The repository root (tests run from `dist/tests/data/`). */
export const REPO = resolve(fileURLToPath(import.meta.url), '../../../..');
export const DEFECTS = join(REPO, 'tests/fixtures/coco_defects');

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `detlab-${prefix}-`));
}

export const TRANSFORMS: ReadonlyMap<string, Component> = new Map(
  [Resize, RandomFlip, PhotometricJitter, RandomCrop, Normalize, Pad, TwoViews].map((c) => [c.name, c as unknown as Component]),
);

export function pipeline(configs: ComponentConfig[]): Transform[] {
  return buildPipeline(configs, TRANSFORMS, 'test.pipeline');
}

/** A BuildContext for calling a component's `build` directly. */
export function fakeContext(path = 'test'): BuildContext {
  return {
    path,
    extras: {},
    build() {
      throw new Error('fakeContext cannot build nested components');
    },
  };
}
