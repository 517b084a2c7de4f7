/**
 * MLflow's system tags for a run started from this process
 * (mlflow/utils/mlflow_tags.py; the Python client's default and git context providers).
 */
import { execFileSync } from 'node:child_process';
import { userInfo } from 'node:os';
import { basename } from 'node:path';

function gitCommit(cwd: string): string | undefined {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { cwd, stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 }).toString().trim() || undefined;
  } catch {
    return undefined;
  }
}

function currentUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? 'unknown';
  }
}

export function systemTags(opts: { runName: string; note?: string; cwd?: string }): Record<string, string> {
  const tags: Record<string, string> = {
    'mlflow.runName': opts.runName,
    'mlflow.user': currentUser(),
    'mlflow.source.name': basename(process.argv[1] ?? 'detlab'),
    'mlflow.source.type': 'LOCAL',
  };
  const commit = gitCommit(opts.cwd ?? process.cwd());
  if (commit !== undefined) tags['mlflow.source.git.commit'] = commit;
  if (opts.note !== undefined) tags['mlflow.note.content'] = opts.note;
  return tags;
}
