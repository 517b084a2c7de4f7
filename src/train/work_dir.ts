/**
 * Run directories: `work_dirs/<config-name>/<run-id>/`. A run id is the UTC
 * start time, the process id and 32 random bits (`20261122-035300-4242-9f3a1c07`);
 * the directory is created with a non-recursive mkdir, which fails if it
 * exists, so two runs can never share one, even started in the same second
 * from the same parent (a clash just draws a new id).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export function newRunId(now = new Date()): string {
  const t = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${t}-${process.pid}-${randomBytes(4).toString('hex')}`;
}

/** Creates and returns a fresh `<root>/<configName>/<run-id>` directory. */
export function createRunDir(root: string, configName: string): { runId: string; dir: string } {
  if (!/^[\w.-]+$/.test(configName)) throw new Error(`config name '${configName}' cannot name a directory (use letters, digits, '.', '_', '-')`);
  const parent = join(root, configName);
  mkdirSync(parent, { recursive: true });
  for (let attempt = 0; attempt < 16; attempt++) {
    const runId = newRunId();
    const dir = join(parent, runId);
    try {
      mkdirSync(dir);
      mkdirSync(join(dir, 'checkpoints'));
      return { runId, dir };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  throw new Error(`could not create a unique run directory under ${parent}`);
}

/** The most recently started run under `<root>/<configName>` that has a checkpoint, if any. */
export function latestRunWithCheckpoint(root: string, configName: string, hasCheckpoint: (runDir: string) => boolean): string | undefined {
  const parent = join(root, configName);
  let entries: string[];
  try {
    entries = readdirSync(parent);
  } catch {
    return undefined;
  }
  // Run ids begin with their UTC start time, so the name order is the start order.
  const runs = entries
    .filter((name) => statSync(join(parent, name)).isDirectory() && hasCheckpoint(join(parent, name)))
    .sort()
    .map((name) => join(parent, name));
  return runs.at(-1);
}
