// Mutants that no test can kill because the mutated program behaves the same for every input it can get,
// each with the reason. A mutant is named by its file, its mutator, the trimmed source line it sits on and
// the replacement, so the entry survives edits elsewhere in the file. They count apart from the score.

const NMS = 'src/detection/nms.ts';
const NMS_INNER = 'for (let q = p + 1; q < n; q++) {';
const NMS_SHIFT = 'for (let k = 0; k < 4; k++) shifted[4 * i + k] = boxes[4 * i + k] + off;';

/** @type {{ file: string, mutator: string, line: string, replacement: string, reason: string }[]} */
export const EQUIVALENT = [
  { file: NMS, mutator: 'ArithmeticOperator', line: NMS_INNER, replacement: 'p - 1', reason: 'the boxes before p are kept ones that did not suppress box p (IoU is symmetric), or suppressed already; box p itself is kept before its own pass' },
  { file: NMS, mutator: 'EqualityOperator', line: NMS_INNER, replacement: 'q <= n', reason: 'order[n] is undefined and suppressed[undefined] === 0 is false' },
  { file: NMS, mutator: 'ConditionalExpression', line: 'if (suppressed[j] === 0 && pairIoU(boxes, i, boxes, j, 0) > iouThr) suppressed[j] = 1;', replacement: 'true', reason: 'suppressing a suppressed box again changes nothing; the test only saves the IoU' },
  { file: NMS, mutator: 'ConditionalExpression', line: 'if (n === 0) return [];', replacement: 'false', reason: 'without boxes the loops do nothing and nms of nothing returns [] too' },
  { file: NMS, mutator: 'EqualityOperator', line: 'for (let i = 0; i < n; i++) {', replacement: 'i <= n', reason: 'row n is past the end: typed-array writes there are dropped' },
  { file: NMS, mutator: 'EqualityOperator', line: NMS_SHIFT, replacement: 'k <= 4', reason: "k = 4 writes the next box's x1, which that box's own k = 0 then overwrites (past the end it is dropped)" },
  { file: NMS, mutator: 'ArithmeticOperator', line: NMS_SHIFT, replacement: 'boxes[4 * i + k] - off', reason: 'boxes reach batchedNms clipped to the image (non-negative), so shifting classes down separates them as well as shifting up' },
];
