/** MMDetection's confusion-matrix rules on a hand-made image. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { confusionCsv, confusionMatrix } from '../../src/vis/confusion_matrix.js';

test('hits, confusions, background detections and missed ground truth land in their cells', () => {
  const image = {
    // GT: class 0 at A, class 1 at B, class 1 at C.
    gtBoxes: Float32Array.from([0, 0, 10, 10, 20, 20, 30, 30, 50, 50, 60, 60]),
    gtLabels: Int32Array.from([0, 1, 1]),
    detBoxes: Float32Array.from([
      0, 0, 10, 10, // class 0 on A: hit
      1, 0, 10, 10, // class 1 on A (IoU 0.9): a confusion 0 -> 1
      20, 20, 30, 30, // class 0 on B: a confusion 1 -> 0, B stays unmatched by class 1
      80, 80, 90, 90, // class 1 on nothing: background -> 1
      50, 50, 60, 60, // class 1 on C but score 0.2: ignored, so C is missed
      0, 0, 10, 14, // class 0 on A at IoU 10/14 = 0.71: a second hit on A
    ]),
    detScores: Float32Array.from([0.9, 0.8, 0.7, 0.6, 0.2, 0.5]),
    detLabels: Int32Array.from([0, 1, 0, 1, 1, 0]),
  };
  const m = confusionMatrix(2, [image]);
  // Rows: gt 0, gt 1, background; columns: predicted 0, 1, background.
  assert.deepEqual([...m], [
    2, 1, 0,
    1, 0, 2,
    0, 1, 0,
  ]);
  const low = confusionMatrix(2, [image], { scoreThr: 0.1 });
  assert.equal(low[1 * 3 + 1], 1, 'at score 0.1 the detection on C counts');
  assert.equal(low[1 * 3 + 2], 1, 'and only B is missed');
  assert.equal(confusionCsv(m, ['circle', 'a,b']), 'gt \\ predicted,circle,"a,b",background\ncircle,2,1,0\n"a,b",1,0,2\nbackground,0,1,0\n');
});
