import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDuration, Progress } from '../../src/train/progress.js';

function sink(isTTY: boolean): { out: { write(s: string): boolean; isTTY: boolean }; text: () => string } {
  let buf = '';
  return { out: { isTTY, write: (s: string) => ((buf += s), true) }, text: () => buf };
}

test('on a terminal: one redrawn line with bar, loss, LR, images/s and ETA; messages do not garble it', () => {
  const s = sink(true);
  const p = new Progress(10, s.out);
  p.update({ step: 5, loss: 0.12345, lr: 0.01, seconds: 2, images: 4 });
  assert.equal(s.text(), '\r[############............] 5/10  loss 0.1235  lr 1.00e-2  2.0 img/s  ETA 0:10\x1b[K');
  p.message('evaluation at iteration 5');
  assert.ok(s.text().endsWith('\r\x1b[Kevaluation at iteration 5\n'));
  p.update({ step: 10, loss: 0.1, lr: 0.001, seconds: 2, images: 4 });
  assert.ok(s.text().endsWith('ETA 0:00\x1b[K\n'), 'the last step ends the line');
});

test('not a terminal: plain lines every interval steps and at the last one', () => {
  const s = sink(false);
  const p = new Progress(7, s.out, 3);
  for (let step = 1; step <= 7; step++) p.update({ step, loss: 1, lr: 0.1, seconds: 1, images: 2 });
  assert.deepEqual(s.text().trim().split('\n').map((l) => l.split('  ')[0]), ['iter 3/7', 'iter 6/7', 'iter 7/7']);
  assert.ok(!s.text().includes('\r'));
  assert.equal(formatDuration(3725), '1:02:05');
});
