/** Paths of the package and of the test plugins, from the compiled test file. */
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

/** The package root (this file runs as dist/tests/registry/paths.js). */
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** Test-only components (TinyDetector, TinyBackbone, TinyHead, TinyLoss), compiled from tests/fixtures/plugins. */
export const TEST_PLUGINS = join(ROOT, 'dist/tests/fixtures/plugins');
/** JavaScript plugins: `extra` adds TinyNeck, `duplicate` registers TinyBackbone again. */
export const JS_PLUGINS = join(ROOT, 'tests/fixtures/plugins_js');
