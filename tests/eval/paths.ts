/**
 * Where the cocoeval tests find their inputs. Compiled tests live in
 * dist/tests/eval, so the repository root is three levels up; `shared/`
 * sits beside the repository (`<clone>/../shared`) unless DETLAB_SHARED says otherwise.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
export const sharedDir = process.env.DETLAB_SHARED ?? resolve(repoRoot, '../shared');
export const vectorDir = resolve(sharedDir, 'testdata/cocoeval');
export const pycocotoolsScript = resolve(repoRoot, 'tests/eval/pycocotools_eval.py');
