/**
 * PyTorch twins of the benches: the python in DETLAB_PYTHON (default
 * python3) runs a script under bench/ that times the same training step in
 * PyTorch eager and prints one JSON line, for a step-time ratio beside
 * detlab's. When that python cannot import torch the benches say so in one
 * line and skip the ratio.
 */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** What every twin prints: per-step wall times (the first is the warm-up), torch's version and threads. */
export interface TorchStepResult {
  stepMs: number[];
  torch: string;
  threads: number;
}

export type TwinOutcome<T> = { kind: 'ok'; result: T } | { kind: 'absent'; note: string } | { kind: 'failed'; message: string };

let probed: { python: string; ok: boolean } | undefined;

/** The python that imports torch (probed once per process), or null. */
export function torchPython(): string | null {
  if (probed === undefined) {
    const python = process.env.DETLAB_PYTHON ?? 'python3';
    probed = { python, ok: spawnSync(python, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0 };
  }
  return probed.ok ? probed.python : null;
}

/** Runs `script` (a path from the repository root) with `args` and parses its last stdout line. */
export function runTorchTwin<T extends TorchStepResult>(script: string, args: (string | number)[]): TwinOutcome<T> {
  const python = torchPython();
  if (python === null) {
    return { kind: 'absent', note: `PyTorch: not importable (\`${probed?.python} -c "import torch"\` failed); skipped the PyTorch ratio (pip install torch, or set DETLAB_PYTHON to a python that has it)` };
  }
  const out = spawnSync(python, [join(repo, script), ...args.map(String)], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (out.status !== 0) return { kind: 'failed', message: `PyTorch: ${script} failed (${out.stderr.trim().split('\n').pop() ?? `exit ${out.status}`})` };
  try {
    return { kind: 'ok', result: JSON.parse(out.stdout.trim().split('\n').pop() ?? '') as T };
  } catch {
    return { kind: 'failed', message: `PyTorch: ${script} printed no JSON line` };
  }
}
