/**
 * Entry point of a trial process started by a worker:
 * `node orphan_guard.js WORKER_PID ENTRY ARGS...` watches the worker and
 * then runs ENTRY (bin/detlab.js) in this same process. When the worker dies
 * (SIGKILL, lost machine) the trial is re-parented; it then stops as on
 * Ctrl-C (checkpoint, MLflow run KILLED) so no orphan trains on while
 * another worker resumes the trial, and exits hard if that takes too long.
 */
import { pathToFileURL } from 'node:url';

const [node, , pidText, entry, ...args] = process.argv;
const workerPid = Number(pidText);
if (!Number.isInteger(workerPid) || entry === undefined) {
  console.error('usage: node orphan_guard.js WORKER_PID ENTRY [ARGS...]');
  process.exit(2);
}

const GRACE_MS = 15_000;
const watch = setInterval(() => {
  if (process.ppid === workerPid) return;
  clearInterval(watch);
  console.error(`worker ${workerPid} is gone: stopping this trial`);
  setTimeout(() => process.exit(137), GRACE_MS).unref();
  process.kill(process.pid, 'SIGTERM');
}, 250);
watch.unref();

process.argv = [node, entry, ...args];
await import(pathToFileURL(entry).href);
