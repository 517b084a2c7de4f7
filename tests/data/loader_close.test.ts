/**
 * A script whose last act is a top-level `await loader.close()` on idle worker
 * threads must run to its end: Node ends a process whose event loop empties
 * during a top-level await with code 13, and terminating workers do not keep
 * the loop alive.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from './fixtures.js';

const LOADER = new URL('../../src/data/loader.js', import.meta.url).href;
const SHAPES = new URL('../../src/data/shapes/shapes_dataset.js', import.meta.url).href;

const script = (root: string): string => `
  const { DataLoader } = await import(${JSON.stringify(LOADER)});
  const { ShapesDataset } = await import(${JSON.stringify(SHAPES)});
  const dataset = new ShapesDataset({ numTrain: 12, numVal: 0, size: 64, seed: 3, root: ${JSON.stringify(root)}, split: 'train', filterEmptyGt: false, pipeline: [{ type: 'Normalize' }], source: 'shapes', log: () => undefined });
  const loader = await DataLoader.create(dataset, { batchSize: 2, shuffle: true, seed: 1, numWorkers: 2, infinite: true });
  for (let i = 0; i < 30; i++) {
    (await loader.next()).images.dispose();
    const t = Date.now();
    while (Date.now() - t < 20);  // busy main thread: the workers finish their prefetch and go idle
  }
  await loader.close();
  console.log('closed');`;

test('a top-level await of close() on idle loader workers lets the script finish (no exit code 13)', () => {
  const root = tempDir('loader-close');
  // A file, not --eval: worker threads inherit the parent's execArgv.
  const file = join(root, 'close.mjs');
  writeFileSync(file, script(root));
  for (let run = 0; run < 4; run += 1) {
    const child = spawnSync(process.execPath, [file], { encoding: 'utf8' });
    assert.equal(child.status, 0, `run ${run}: exit ${child.status}\n${child.stderr}`);
    assert.equal(child.stdout.trim(), 'closed');
  }
});
