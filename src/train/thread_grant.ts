/**
 * More threads for a running trial. When a sweep has fewer trials left than
 * slots, its executor gives the idle cores to the trials still running, over
 * the child's IPC channel. Only the OpenBLAS GEMM's threads change: it splits
 * the output, not the sums, so results are the same at any count.
 */
import { engineInfo, setEngineThreads } from '../engine/init.js';

export const THREAD_GRANT = 'detlab.threads';
/** Sent by the trial once it applies grants; the executor holds them back until then (Node drops messages nobody listens for). */
export const GRANTS_ACCEPTED = 'detlab.threads-accepted';

export interface ThreadGrant {
  type: typeof THREAD_GRANT;
  threads: number;
}

/**
 * In a process started with an IPC channel, applies the grants it receives.
 * Returns whether it listens (false without a channel: not a sweep trial).
 */
export function acceptThreadGrants(print: (line: string) => void): boolean {
  if (process.channel === undefined) return false;
  process.on('message', (message: unknown) => {
    const grant = message as Partial<ThreadGrant> | null;
    if (grant?.type !== THREAD_GRANT || !Number.isInteger(grant.threads) || grant.threads! < 1) return;
    const before = engineInfo()?.threads;
    const now = setEngineThreads(grant.threads!);
    if (now !== before) print(`engine: ${now} threads from here on (the sweep has cores to spare)`);
  });
  // Listening refs the channel; a trial must still exit when its work is done.
  process.channel.unref();
  process.send?.({ type: GRANTS_ACCEPTED }, () => undefined);
  return true;
}
