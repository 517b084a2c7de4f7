/** Paths shared by the sweep tests (they run from dist/tests/sweep). */
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../../..');
export const FIXTURES = join(ROOT, 'tests/sweep/fixtures');
export const TINY_CONFIG = join(FIXTURES, 'tiny_retinanet.yaml');
