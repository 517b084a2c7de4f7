/**
 * Where the cocoeval tests find their inputs. Compiled tests live in
 * dist/tests/eval, so the repository root is three levels up. The vector is
 * in tests/fixtures/cocoeval/, so a clean clone needs nothing beside it;
 * DETLAB_SHARED=<dir> takes <dir>/testdata/cocoeval/ instead.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const shared = process.env.DETLAB_SHARED;
export const vectorDir = shared ? resolve(shared, 'testdata/cocoeval') : resolve(repoRoot, 'tests/fixtures/cocoeval');
export const pycocotoolsScript = resolve(repoRoot, 'tests/eval/pycocotools_eval.py');
/** pycocotools' numbers for the synthetic cases (pycocotools_cases.ts), stored so a machine without Python checks against them. */
export const storedReferenceFile = resolve(repoRoot, 'tests/fixtures/pycocotools_reference.json');
