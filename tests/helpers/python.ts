/**
 * Finds the Python interpreter that integration tests use (pycocotools, mlflow).
 * `.ci/run` creates `.venv` and exports DETLAB_PYTHON; locally `.venv/bin/python`
 * is used when present. In CI a missing module fails the test instead of
 * skipping it, so a broken install can never pass as green.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

export interface PythonProbe {
  python?: string;
  /** Why the tests needing it should be skipped (undefined when usable). */
  skip?: string;
}

export function findPython(modules: string[]): PythonProbe {
  const candidates = [process.env.DETLAB_PYTHON, resolve('.venv/bin/python'), 'python3'].filter(
    (p): p is string => typeof p === 'string' && p.length > 0 && (p === 'python3' || existsSync(p)),
  );
  const script = modules.map((m) => `import ${m}`).join('; ') || 'pass';
  for (const python of candidates) {
    try {
      execFileSync(python, ['-c', script], { stdio: 'ignore' });
      return { python };
    } catch {
      // try the next interpreter
    }
  }
  const reason = `no Python with ${modules.join(', ')} (set DETLAB_PYTHON or run .ci/run once)`;
  if (process.env.CI === 'true') throw new Error(`CI: ${reason}`);
  return { skip: reason };
}
