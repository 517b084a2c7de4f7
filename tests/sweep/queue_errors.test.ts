/** A worker's queue errors: BullMQ's lost-lock messages said in a sweep's terms, others unchanged. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { queueErrorText } from '../../src/sweep/bullmq/queue_errors.js';

test('a lost job lock or key after a Redis restart is explained with what the queue does next; other errors pass unchanged', () => {
  assert.match(
    queueErrorText('Missing lock for job 3f2a9c1b7d4e. moveToFinished'),
    /^Redis no longer holds the lock of job 3f2a9c1b7d4e \(Redis restarted, or this worker was cut off longer than the lock duration\), so its moveToFinished was not recorded; the queue hands the job to a worker again, which resumes the trial from its run directory \(BullMQ: Missing lock for job 3f2a9c1b7d4e\. moveToFinished\)$/,
  );
  assert.match(queueErrorText('Missing key for job sweep:7. moveToDelayed'), /^Redis no longer holds job sweep:7 .*its moveToDelayed was not recorded/);
  assert.match(queueErrorText('Lock mismatch for job 12. Cmd moveToFinished from active'), /^Redis no longer holds the lock of job 12 .*its moveToFinished/);
  assert.equal(queueErrorText('connect ECONNREFUSED 127.0.0.1:6379'), 'connect ECONNREFUSED 127.0.0.1:6379');
});
