// Mutants that no test can kill because the mutated program behaves the same for every input it can get,
// each with the reason. A mutant is named by its file, its mutator, the trimmed source line it sits on and
// the replacement (and the text it replaces, where one line holds several alike), so the entry survives
// edits elsewhere in the file. They count apart from the score.

const EXPAND = 'src/sweep/expand.ts';
const EXPAND_PARAMS = "const params = Object.fromEntries(Object.entries(point).map(([k, v]) => [k.replace(/^\\+\\+?/, ''), v]));";
const EXPAND_SOURCE = 'const at = i >= 0 && i < sources.length ? nearestOrigin(origins, sources[i].at) : undefined;';
const MAX_IOU = 'src/detection/assigners/max_iou_assigner.ts';
const ASSIGN_RESULT = 'src/detection/assigners/assign_result.ts';
const PAST_END = 'the extra pass touches index n of typed arrays (writes dropped, reads undefined, which compares false)';
const NMS = 'src/detection/nms.ts';
const NMS_INNER = 'for (let q = p + 1; q < n; q++) {';
const NMS_SHIFT = 'for (let k = 0; k < 4; k++) shifted[4 * i + k] = boxes[4 * i + k] + off;';

const OVERRIDES = 'src/config/overrides.ts';
const CHECKPOINT = 'src/train/checkpoint.ts';
const IOU_LOSS = 'src/detection/losses/iou_loss.ts';
const BOXES_2D = 'the IoU losses take [N, 4] boxes (their contract, and every caller passes them), whose axis 1 is the last axis';
const FSYNC = 'an fsync only matters when the machine loses power before the data reaches the disk, which no test process can bring about';
const INDEX_CHECK = "if (!Number.isInteger(index) || index < 0 || index > container.length - (op === 'force' ? 0 : 1)) {";

/** @type {{ file: string, mutator: string, line: string, original?: string, replacement: string, reason: string }[]} */
export const EQUIVALENT = [
  { file: 'src/config/merge.ts', mutator: 'ConditionalExpression', line: 'if (origin !== undefined) origins.set(key, origin);', replacement: 'true', reason: 'origins are only read through get() (copies too), which answers undefined alike for a missing entry and one holding undefined' },
  { file: OVERRIDES, mutator: 'EqualityOperator', line: "if (eq >= 0) fail('a deletion takes no value: write ~a.b');", replacement: 'eq > 0', reason: "eq = 0 leaves the key '', which the key-path check has refused already" },
  { file: OVERRIDES, mutator: 'EqualityOperator', line: 'if (eq < 0) fail(`expected key=value, ~key, +key=value or ++key=value`);', replacement: 'eq <= 0', reason: "eq = 0 leaves the key '', which the key-path check has refused already" },
  { file: OVERRIDES, mutator: 'ArrowFunction', line: 'value = parseYaml(source, () => origin, lineCounter).value;', replacement: '() => undefined', reason: 'only the parsed value is kept: --set origins are recorded by applyOne and a parse error is re-raised by fail() with its own origin' },
  { file: OVERRIDES, mutator: 'ConditionalExpression', line: 'if (err instanceof ConfigError) fail(`the value is not valid YAML: ${err.issues[0].message}`);', replacement: 'true', reason: 'parseYaml reports every problem as a ConfigError' },
  { file: OVERRIDES, mutator: 'ConditionalExpression', line: 'if (next !== undefined && (isMap(next) || Array.isArray(next))) {', replacement: 'true', reason: 'undefined is neither a map nor a list, so the rest of the condition decides alone' },
  { file: OVERRIDES, mutator: 'ArithmeticOperator', line: INDEX_CHECK, replacement: "container.length + (op === 'force' ? 0 : 1)", reason: 'only ++ reaches this check with a missing index (the others fail just before), and for ++ the term is 0' },
  { file: OVERRIDES, mutator: 'ConditionalExpression', line: INDEX_CHECK, replacement: 'true', reason: 'only ++ reaches this check with a missing index (the others fail just before), so the bound is the length for every op that gets here' },
  { file: OVERRIDES, mutator: 'Regex', line: 'if (Array.isArray(container)) return /^\\d+$/.test(step) ? container[Number(step)] : undefined;', replacement: '/\\d+$/', reason: 'a step with a non-digit before its digits is NaN as a number, so it finds no item either way' },
  { file: OVERRIDES, mutator: 'StringLiteral', line: "return value === null ? 'null' : Array.isArray(value) ? 'list' : typeof value;", original: "'list'", replacement: '""', reason: "typeName is only asked about values that are neither maps nor lists, so 'list' is never returned" },
  { file: EXPAND, mutator: 'Regex', line: EXPAND_PARAMS, replacement: '/\\+\\+?/', reason: 'a key path has no + past its prefix (parseOverride refuses it before any trial is planned)' },
  { file: EXPAND, mutator: 'ConditionalExpression', line: EXPAND_SOURCE, original: 'i < sources.length', replacement: 'true', reason: 'the one override text without a spec source is ++seed=<int>, which always applies' },
  { file: EXPAND, mutator: 'EqualityOperator', line: EXPAND_SOURCE, replacement: 'i <= sources.length', reason: 'the one override text without a spec source is ++seed=<int>, which always applies' },
  { file: MAX_IOU, mutator: 'UnaryOperator', line: 'export const RETINANET_ASSIGNER: MaxIoUAssignerOptions = { posIouThr: 0.5, negIouThr: 0.4, minPosIou: 0, matchLowQuality: true, ignoreIofThr: -1 };', replacement: '+1', reason: 'an IoF never exceeds 1, so a threshold of 1 ignores nothing either' },
  { file: MAX_IOU, mutator: 'EqualityOperator', line: 'for (let i = 0; i < n; i++) {', replacement: 'i <= n', reason: PAST_END },
  { file: MAX_IOU, mutator: 'EqualityOperator', line: 'for (let g = 0; g < m; g++) {', replacement: 'g <= m', reason: 'row m of the overlaps is undefined: it never beats the best, and its NaN maximum claims no prior' },
  { file: MAX_IOU, mutator: 'ConditionalExpression', line: 'if (best >= 0 && best < opts.negIouThr) gtInds[i] = 0;', replacement: 'true', original: 'best >= 0', reason: 'with at least one gt the best IoU is at least 0' },
  { file: MAX_IOU, mutator: 'EqualityOperator', line: 'for (let i = 0; i < n; i++) if (ov[g * n + i] === gtMax) gtInds[i] = g + 1;', replacement: 'i <= n', reason: PAST_END },
  { file: MAX_IOU, mutator: 'ConditionalExpression', line: 'if (ignore !== undefined && ignore.length > 0) {', original: 'ignore.length > 0', replacement: 'true', reason: 'applyIgnore returns at once without ignore boxes' },
  { file: MAX_IOU, mutator: 'EqualityOperator', line: 'if (ignore !== undefined && ignore.length > 0) {', replacement: 'ignore.length >= 0', reason: 'applyIgnore returns at once without ignore boxes' },
  { file: ASSIGN_RESULT, mutator: 'ConditionalExpression', line: 'if (thr < 0 || numIgnore === 0) return;', original: 'numIgnore === 0', replacement: 'false', reason: 'the loop over zero ignore boxes marks nothing' },
  { file: ASSIGN_RESULT, mutator: 'ArithmeticOperator', line: 'const n = priors.length / 4;', replacement: 'priors.length * 4', reason: 'rows past the priors read undefined, which compares false' },
  { file: ASSIGN_RESULT, mutator: 'EqualityOperator', line: 'for (let i = 0; i < n; i++) {', replacement: 'i <= n', reason: PAST_END },
  { file: NMS, mutator: 'ArithmeticOperator', line: NMS_INNER, replacement: 'p - 1', reason: 'the boxes before p are kept ones that did not suppress box p (IoU is symmetric), or suppressed already; box p itself is kept before its own pass' },
  { file: NMS, mutator: 'EqualityOperator', line: NMS_INNER, replacement: 'q <= n', reason: 'order[n] is undefined and suppressed[undefined] === 0 is false' },
  { file: NMS, mutator: 'ConditionalExpression', line: 'if (suppressed[j] === 0 && pairIoU(boxes, i, boxes, j, 0) > iouThr) suppressed[j] = 1;', replacement: 'true', reason: 'suppressing a suppressed box again changes nothing; the test only saves the IoU' },
  { file: NMS, mutator: 'ConditionalExpression', line: 'if (n === 0) return [];', replacement: 'false', reason: 'without boxes the loops do nothing and nms of nothing returns [] too' },
  { file: NMS, mutator: 'EqualityOperator', line: 'for (let i = 0; i < n; i++) {', replacement: 'i <= n', reason: 'row n is past the end: typed-array writes there are dropped' },
  { file: NMS, mutator: 'EqualityOperator', line: NMS_SHIFT, replacement: 'k <= 4', reason: "k = 4 writes the next box's x1, which that box's own k = 0 then overwrites (past the end it is dropped)" },
  { file: NMS, mutator: 'ArithmeticOperator', line: NMS_SHIFT, replacement: 'boxes[4 * i + k] - off', reason: 'boxes reach batchedNms clipped to the image (non-negative), so shifting classes down separates them as well as shifting up' },
  { file: CHECKPOINT, mutator: 'BlockStatement', line: 'function fsyncDir(dir: string): void {', replacement: '{}', reason: FSYNC },
  { file: CHECKPOINT, mutator: 'BlockStatement', line: 'try {', original: '{\n    fsyncSync(fd);\n  }', replacement: '{}', reason: FSYNC },
  { file: IOU_LOSS, mutator: 'UnaryOperator', line: 'const [px1, py1, px2, py2] = tf.split(pred, 4, -1);', replacement: '+1', reason: BOXES_2D },
  { file: IOU_LOSS, mutator: 'UnaryOperator', line: 'const [tx1, ty1, tx2, ty2] = tf.split(target, 4, -1);', replacement: '+1', reason: BOXES_2D },
  { file: IOU_LOSS, mutator: 'StringLiteral', line: "export function iouLoss(pred: Tensor, target: Tensor, mode: IoULossMode = 'log', eps = 1e-6): Tensor {", replacement: '""', reason: "any mode other than 'linear' and 'square' takes the log branch, so an empty default is the log loss too" },
  { file: 'src/detection/losses/focal_loss.ts', mutator: 'ConditionalExpression', line: 'const focal = gamma === 2 ? tf.square(pt) : tf.pow(pt, gamma);', replacement: 'false', reason: 'pow(p_t, 2) equals square(p_t) in value and in gradient (2 p_t); the branch only saves a kernel' },
];
