/**
 * BullMQ's errors about a job whose lock or key Redis no longer holds
 * ("Missing lock for job 12. moveToFinished"), said in a sweep's terms: they
 * follow a Redis restart or a worker cut off for longer than the lock
 * duration, and the queue recovers from them on its own.
 */

const LOST = /^(Missing lock|Missing key|Lock mismatch) for job (\S+?)\.? (?:Cmd )?(\w+)/;

/** What a worker prints for a queue error: BullMQ's own text, except for a lost job lock or key. */
export function queueErrorText(message: string): string {
  const m = LOST.exec(message);
  if (m === null) return message;
  const [, kind, job, command] = m;
  const lost = kind === 'Missing key' ? 'no longer holds job' : 'no longer holds the lock of job';
  return `Redis ${lost} ${job} (Redis restarted, or this worker was cut off longer than the lock duration), so its ${command} was not recorded; the queue hands the job to a worker again, which resumes the trial from its run directory (BullMQ: ${message})`;
}
