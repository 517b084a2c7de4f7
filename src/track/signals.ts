/**
 * Ends open runs when the process is interrupted. On SIGINT/SIGTERM every
 * registered callback runs (bounded by a deadline); then, if nobody else
 * listens for that signal, the signal is raised again with our handler removed,
 * so the process still dies of it (exit status 128+n) instead of living on.
 * A second signal while the first is handled exits at once.
 */
type Callback = (signal: NodeJS.Signals) => Promise<void>;

const callbacks = new Set<Callback>();
const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];
let handling = false;
let deadlineMs = 10_000;

async function onSignal(signal: NodeJS.Signals): Promise<void> {
  if (handling) process.exit(128 + (signal === 'SIGINT' ? 2 : 15));
  handling = true;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<void>((r) => (timer = setTimeout(r, deadlineMs)));
  await Promise.race([Promise.allSettled([...callbacks].map((cb) => cb(signal))), deadline]);
  clearTimeout(timer);
  for (const s of SIGNALS) process.removeListener(s, onSignal);
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

/** Registers `cb` until the returned function is called. */
export function onTermination(cb: Callback): () => void {
  if (callbacks.size === 0 && !handling) for (const s of SIGNALS) process.on(s, onSignal);
  callbacks.add(cb);
  return () => {
    callbacks.delete(cb);
    if (callbacks.size === 0 && !handling) for (const s of SIGNALS) process.removeListener(s, onSignal);
  };
}

/** How long the callbacks may take before the signal is re-raised anyway. */
export function setTerminationDeadline(ms: number): void {
  deadlineMs = ms;
}
