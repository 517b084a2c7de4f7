/**
 * `npm run bench`: runs every `bench/*.bench.js` (compiled) in name order, or
 * those whose name contains one of the command-line words
 * (`npm run bench -- eval loader`). Each bench prints its own figures.
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const filters = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.js'))
  .filter((f) => filters.length === 0 || filters.some((w) => f.includes(w)))
  .sort();

let failed = 0;
for (const file of files) {
  const name = file.replace(/\.bench\.js$/, '');
  console.log(`\n=== ${name} ===`);
  try {
    const mod = (await import(pathToFileURL(join(here, file)).href)) as { default: () => Promise<void> };
    await mod.default();
  } catch (err) {
    failed += 1;
    console.error(`bench ${name} failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
  }
}
if (files.length === 0) console.log('no benchmark matched');
process.exit(failed > 0 ? 1 : 0);
