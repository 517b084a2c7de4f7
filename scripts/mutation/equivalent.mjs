// Mutants that no test can kill because the mutated program behaves the same for every input it can get,
// each with the reason. A mutant is named by its file, its mutator, the trimmed source line it sits on and
// the replacement (and the text it replaces, where one line holds several alike), so the entry survives
// edits elsewhere in the file. A line the file holds more than once also names which of its occurrences
// (1-based, top to bottom) were read, so an entry never covers a twin line nobody checked. They count apart
// from the score.

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
const FORCE = 'the path was just made or listed, so it exists, and force (no error for a missing path) changes nothing';
const MATCH = 'src/eval/match_cell.ts';
const MATCH_PAST_END = "the extra pass reads one entry past the cell and writes a scratch buffer's spare room (or an entry the next pass overwrites), never read";
const EXTRA_AREAS = 'the passes past the last area range write past the codes and npig of the bucket (spare room, never read) and record no matches (a ≠ 0)';
const EMPTY_MATCHES = 'without detectionMatches the match arrays are empty, and writes to an empty typed array are dropped';
const NO_PAIRS = 'with no detections or no GT the matching loop finds no match, and records what the branch without IoUs records';
const ARGSORT = 'src/eval/stable_argsort.ts';
const TWO_STABLE_SORTS = 'both branches sort stably by descending score, and a stable order is unique; the size only picks the faster';
const METRICS_LOG = 'src/track/metrics_log.ts';
const APPEND = "appendFileSync's flag defaults to 'a', and an empty flag falls back to that default too";
const IDENTITY_CODE = 'the code only has to differ from every other value\'s: no number prints as "", and both sides of a comparison use the same code';
const FCOS = 'src/detection/assigners/fcos_targets.ts';
const STATS = 'src/sweep/stats.ts';
const IOU_LOSS = 'src/detection/losses/iou_loss.ts';
const BOXES_2D = 'the IoU losses take [N, 4] boxes (their contract, and every caller passes them), whose axis 1 is the last axis';
const FSYNC = 'an fsync only matters when the machine loses power before the data reaches the disk, which no test process can bring about';
const INDEX_CHECK = "if (!Number.isInteger(index) || index < 0 || index > container.length - (op === 'force' ? 0 : 1)) {";

const DID_YOU_MEAN = 'src/config/did_you_mean.ts';
const SWAP = 'if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, rows[i - 2][j - 2] + 1);';
const SWAP_EDGE = 'at i = 1 or j = 1 the swapped pair reads index −1, which is undefined and equals no character, so the branch is not taken either way';
const PARSE_YAML = 'src/config/parse_yaml.ts';
const READ_ONCE = "a regular file's readSync returns every byte asked for in one call (the file is under the 4 MB limit), so the loop body runs once whatever its bounds";
const HAS_RANGE = 'every node the parser returns, keys included (an empty key is a null scalar), has a range';
const ONE_LINE = "the text is the first line of the parser's message, which starts with this phrase, and .* runs to its end";
const REFERENCES = 'src/config/references.ts';

const ACCUMULATE = 'src/eval/accumulate_bucket.ts';
const GUESS = "the guess and the downward loop can only start v lower; the upward loop then stops at the least v with v/npig ≥ recThrs[r] whatever the start below it (a guess below the answer is what recall-edge case exercises)";
const SCHEDULE = 'how many threads run and in which order they take the buckets changes only who evaluates a bucket: each writes its own slots of the shared arrays, so the results are the same (the worker tests compare 0 and 1 workers bit for bit)';
const SCRATCH_NAME = 'a scratch buffer is found by its name, and no other buffer of the scratch is named "" either';

/** @type {{ file: string, mutator: string, line: string, occurrences?: number[], original?: string, replacement: string, reason: string }[]} */
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
  { file: MAX_IOU, mutator: 'EqualityOperator', line: 'for (let g = 0; g < m; g++) {', occurrences: [1, 2], replacement: 'g <= m', reason: 'row m of the overlaps is undefined: it never beats the best, and its NaN maximum claims no prior' },
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
  { file: CHECKPOINT, mutator: 'BlockStatement', line: 'try {', occurrences: [7], original: '{\n    fsyncSync(fd);\n  }', replacement: '{}', reason: FSYNC },
  { file: IOU_LOSS, mutator: 'UnaryOperator', line: 'const [px1, py1, px2, py2] = tf.split(pred, 4, -1);', replacement: '+1', reason: BOXES_2D },
  { file: IOU_LOSS, mutator: 'UnaryOperator', line: 'const [tx1, ty1, tx2, ty2] = tf.split(target, 4, -1);', replacement: '+1', reason: BOXES_2D },
  { file: IOU_LOSS, mutator: 'StringLiteral', line: "export function iouLoss(pred: Tensor, target: Tensor, mode: IoULossMode = 'log', eps = 1e-6): Tensor {", replacement: '""', reason: "any mode other than 'linear' and 'square' takes the log branch, so an empty default is the log loss too" },
  { file: 'src/detection/losses/focal_loss.ts', mutator: 'ConditionalExpression', line: 'const focal = gamma === 2 ? tf.square(pt) : tf.pow(pt, gamma);', replacement: 'false', reason: 'pow(p_t, 2) equals square(p_t) in value and in gradient (2 p_t); the branch only saves a kernel' },
  { file: CHECKPOINT, mutator: 'BooleanLiteral', line: 'rmSync(old, { recursive: true, force: true });', original: 'true', replacement: 'false', reason: FORCE },
  { file: CHECKPOINT, mutator: 'BooleanLiteral', line: 'rmSync(tmp, { recursive: true, force: true });', original: 'true', replacement: 'false', reason: FORCE },
  { file: CHECKPOINT, mutator: 'BooleanLiteral', line: 'rmSync(path, { recursive: true, force: true });', original: 'true', replacement: 'false', reason: FORCE },
  { file: CHECKPOINT, mutator: 'BooleanLiteral', line: 'for (const d of doomed) rmSync(d, { recursive: true, force: true });', original: 'true', replacement: 'false', reason: FORCE },
  { file: CHECKPOINT, mutator: 'MethodExpression', line: 'return readdirSync(checkpointsDir)', replacement: "readdirSync(checkpointsDir).filter(n => /^iter_\\d+$/.test(n) && existsSync(join(checkpointsDir, n, 'state.json')))", reason: "Node's readdirSync returns the names sorted on Linux and macOS (libuv's scandir sorts them), so the sort only matters on Windows, where no test runs" },
  { file: EXPAND, mutator: 'UpdateOperator', line: 'if (++calls % TRIALS_PER_TURN !== 0) return;', replacement: '--calls', reason: 'counting down, the count is a multiple of 100 (−100, −200, …) at the same calls as counting up' },
  { file: EXPAND, mutator: 'StringLiteral', line: "const sources = [...common, ...stageSet, ...from(overrides, ['variants', variant ?? '']), ...Object.entries(point).map(([key, value]) => ({ key, value, at: paramPath(spec, key) }))];", replacement: '"Stryker was here!"', reason: 'the variant is null only for a spec without variants, whose one variant has no overrides, so the path is never used' },
  { file: MATCH, mutator: 'ArithmeticOperator', line: 'const MAX_IOU_THRESHOLD = 1 - 1e-10;', replacement: '1 + 1e-10', reason: "the IoU thresholds are pycocotools' fixed 0.50:0.05:0.95 (not an option), and none reaches the cap" },
  { file: MATCH, mutator: 'EqualityOperator', line: 'for (let d = 0; d < nd; d++) {', occurrences: [1, 2], replacement: 'd <= nd', reason: MATCH_PAST_END },
  { file: MATCH, mutator: 'EqualityOperator', line: 'for (let g = 0; g < ng; g++) {', occurrences: [1], replacement: 'g <= ng', reason: "the extra column writes the next row's first IoU, which that row then overwrites (past the last row the buffer's spare room is never read)" },
  { file: MATCH, mutator: 'EqualityOperator', line: 'for (let g = 0, j = nRegular; g < ng; g++) if (ign[g]) gtOrder[j++] = g;', replacement: 'g <= ng', reason: MATCH_PAST_END },
  { file: MATCH, mutator: 'ArithmeticOperator', line: 'const A = areaRanges.length / 2;', replacement: 'areaRanges.length * 2', reason: EXTRA_AREAS },
  { file: MATCH, mutator: 'EqualityOperator', line: 'for (let a = 0; a < A; a++) {', replacement: 'a <= A', reason: EXTRA_AREAS },
  { file: MATCH, mutator: 'EqualityOperator', line: 'for (let t = 0; t < T; t++) {', occurrences: [1, 2], replacement: 't <= T', reason: "the extra threshold writes the next area's codes for threshold 0, which that area's own pass then overwrites (after the last area, the buffer's spare room); its recorded match lands past the match arrays" },
  { file: MATCH, mutator: 'ConditionalExpression', line: 'const record = data.matchGtId.length > 0;', replacement: 'true', reason: EMPTY_MATCHES },
  { file: MATCH, mutator: 'EqualityOperator', line: 'const record = data.matchGtId.length > 0;', replacement: 'data.matchGtId.length >= 0', reason: EMPTY_MATCHES },
  ...['true', 'nd > 0 || ng > 0', 'nd >= 0', 'ng >= 0'].map((replacement) => ({ file: MATCH, mutator: replacement.includes('||') ? 'LogicalOperator' : replacement === 'true' ? 'ConditionalExpression' : 'EqualityOperator', line: 'if (nd > 0 && ng > 0) {', replacement, reason: NO_PAIRS })),
  { file: MATCH, mutator: 'StringLiteral', line: "iou = c.scratch.get('iou', Float64Array, nd * ng);", replacement: '""', reason: 'the buffer is found by its name, and no other buffer of the scratch is named "" either' },
  { file: MATCH, mutator: 'ConditionalExpression', line: 'if (iou === undefined) {', replacement: 'false', reason: NO_PAIRS },
  { file: MATCH, mutator: 'BlockStatement', line: 'if (iou === undefined) {', replacement: '{}', reason: NO_PAIRS },
  { file: ARGSORT, mutator: 'EqualityOperator', line: 'for (let i = 0; i < count; i++) out[i] = i;', replacement: 'i <= count', reason: "out[count] is past the detections sorted, and never read" },
  ...['true', 'false', 'count < 32', 'count > 32'].map((replacement) => ({ file: ARGSORT, mutator: replacement.includes('count') ? 'EqualityOperator' : 'ConditionalExpression', line: 'if (count <= 32) {', replacement, reason: TWO_STABLE_SORTS })),
  { file: ARGSORT, mutator: 'BlockStatement', line: 'if (count <= 32) {', replacement: '{}', reason: TWO_STABLE_SORTS },
  { file: ARGSORT, mutator: 'ConditionalExpression', line: 'while (j >= 0 && score[from + out[j]] < s) {', original: 'j >= 0', replacement: 'true', reason: 'at j = −1, out[−1] is undefined and score[undefined] < s is false, so the loop stops where it did' },
  { file: METRICS_LOG, mutator: 'ObjectLiteral', line: "appendFileSync(file, formatMetricsLine(step, ts, metrics), { flag: 'a' });", replacement: '{}', reason: APPEND },
  { file: METRICS_LOG, mutator: 'StringLiteral', line: "appendFileSync(file, formatMetricsLine(step, ts, metrics), { flag: 'a' });", replacement: '""', reason: APPEND },
  ...[
    ['ConditionalExpression', 'false', undefined],
    ['LogicalOperator', 'text.length === 0 && text[text.length - 1] === 0x0a', undefined],
    ['ConditionalExpression', 'false', 'text.length === 0'],
    ['ConditionalExpression', 'false', 'text[text.length - 1] === 0x0a'],
    ['ArithmeticOperator', 'text.length + 1', undefined],
  ].map(([mutator, replacement, original]) => ({ file: METRICS_LOG, mutator, line: 'if (text.length === 0 || text[text.length - 1] === 0x0a) return;', ...(original === undefined ? {} : { original }), replacement, reason: 'cutting after the last newline leaves an empty file, or one that ends in a newline, as it is' })),
  { file: METRICS_LOG, mutator: 'ConditionalExpression', line: 'if (Number.isNaN(p.value)) v = \'NaN\';', replacement: 'false', reason: "String(NaN) is 'NaN' too" },
  { file: METRICS_LOG, mutator: 'StringLiteral', line: "else if (p.value >= Number.MAX_VALUE) v = 'Infinity';", replacement: '""', reason: IDENTITY_CODE },
  { file: METRICS_LOG, mutator: 'StringLiteral', line: "else if (p.value <= -Number.MAX_VALUE) v = '-Infinity';", replacement: '""', reason: IDENTITY_CODE },
  { file: 'src/detection/losses/cross_entropy.ts', mutator: 'UnaryOperator', line: 'return tf.tidy(() => tf.neg(tf.sum(tf.mul(targets, tf.logSoftmax(logits)), -1, true)));', replacement: '+1', reason: 'softmaxCrossEntropy takes [N, C] logits (its contract, and every caller passes them), whose axis 1 is the last axis' },
  ...[['ConditionalExpression', 'false', '!(beta > 0)'], ['ConditionalExpression', 'true', 'beta > 0'], ['EqualityOperator', 'beta >= 0', 'beta > 0']].map(([mutator, replacement, original]) => ({ file: 'src/detection/losses/regression_losses.ts', mutator, line: 'if (!(beta > 0)) return l1Loss(pred, target);', original, replacement, reason: 'at β = 0 the smooth form is d − 0 everywhere, which is L1, and the option schema refuses β < 0' })),
  { file: FCOS, mutator: 'ConditionalExpression', line: 'if (m === 0) return { labels, distances, gtIndex };', replacement: 'false', reason: 'without gts the loop over points finds no gt and leaves the background targets it would return' },
  { file: FCOS, mutator: 'EqualityOperator', line: 'for (let g = 0; g < m; g++) areas[g] = (gts[4 * g + 2] - gts[4 * g]) * (gts[4 * g + 3] - gts[4 * g + 1]);', replacement: 'g <= m', reason: 'areas[m] is past the end of a typed array: the write is dropped' },
  { file: FCOS, mutator: 'EqualityOperator', line: 'for (let g = 0; g < m; g++) {', replacement: 'g <= m', reason: 'gt m reads undefined coordinates: every comparison with NaN is false, so it is never inside' },
  { file: FCOS, mutator: 'ArithmeticOperator', line: 'const n = distances.length / 4;', replacement: 'distances.length * 4', reason: 'the points past the n-th read undefined distances and write past the end of the output, where writes are dropped' },
  { file: FCOS, mutator: 'EqualityOperator', line: 'for (let i = 0; i < n; i++) {', occurrences: [2], original: 'i < n', replacement: 'i <= n', reason: 'point n writes past the end of the output (dropped)' },
  ...[['MethodExpression', '[...byLevel.keys()]'], ['ArrowFunction', '() => undefined'], ['ArithmeticOperator', 'a + b']].map(([mutator, replacement]) => ({ file: 'src/detection/assigners/paa_reassign.ts', mutator, line: 'for (const level of [...byLevel.keys()].sort((a, b) => a - b)) {', replacement, reason: 'the chosen candidates are sorted by cost (then prior) just after, a total order, so the order levels are visited in is lost' })),
  { file: STATS, mutator: 'EqualityOperator', line: 'if (x <= 0) return 0;', replacement: 'x < 0', reason: 'at x = 0 the series gives exp(−∞) · 1 / a = 0 as well' },
  { file: STATS, mutator: 'EqualityOperator', line: 'if (x >= 1) return 1;', replacement: 'x > 1', reason: 'at x = 1 the symmetric form gives 1 − exp(−∞) · 1 / b = 1 as well' },
  { file: STATS, mutator: 'ConditionalExpression', line: 'if (Number.isNaN(t)) return NaN;', replacement: 'false', reason: 'a NaN t reaches incompleteBeta as x = NaN, which returns NaN through every branch' },
  { file: STATS, mutator: 'EqualityOperator', line: 'return t > 0 ? 1 - tail : tail;', replacement: 't >= 0', reason: 'at t = 0 the tail is 1/2, and 1 − 1/2 = 1/2' },
  { file: 'src/track/sync.ts', mutator: 'ConditionalExpression', line: 'if (this.run !== undefined) return this.run;', replacement: 'false', reason: 'open() runs once per successful connect (connect keeps its promise) and sets run only on success, so run is undefined whenever it starts' },
  ...[['ConditionalExpression', 'false', 'm === 0 || n === 0'], ['LogicalOperator', 'm === 0 && n === 0', 'm === 0 || n === 0'], ['ConditionalExpression', 'false', 'm === 0'], ['ConditionalExpression', 'false', 'n === 0']].map(([mutator, replacement, original]) => ({ file: 'src/detection/assigners/atss_assigner.ts', mutator, line: 'if (m === 0 || n === 0) return { numGts: m, gtInds, maxOverlaps };', original, replacement, reason: 'without gts or priors the loops run over nothing and return the same all-negative, zero-overlap result' })),
  { file: DID_YOU_MEAN, mutator: 'ConditionalExpression', line: 'if (a === b) return 0;', replacement: 'false', reason: 'a shortcut: the table gives 0 for equal strings too' },
  ...[['ConditionalExpression', 'true', 'i > 1 && j > 1'], ['LogicalOperator', 'i > 1 || j > 1', 'i > 1 && j > 1'], ['ConditionalExpression', 'true', 'i > 1'], ['EqualityOperator', 'i >= 1', 'i > 1'], ['ConditionalExpression', 'true', 'j > 1'], ['EqualityOperator', 'j >= 1', 'j > 1']].map(([mutator, replacement, original]) => ({ file: DID_YOU_MEAN, mutator, line: SWAP, original, replacement, reason: SWAP_EDGE })),
  { file: 'src/config/dump.ts', mutator: 'EqualityOperator', line: "if (!Number.isFinite(value)) return value > 0 ? '.inf' : '-.inf';", replacement: 'value >= 0', reason: 'only ±Infinity get here, and neither is 0' },
  { file: PARSE_YAML, mutator: 'EqualityOperator', line: 'for (let done = 0; done < size; ) {', replacement: 'done <= size', reason: READ_ONCE },
  { file: PARSE_YAML, mutator: 'ArithmeticOperator', line: 'const n = readSync(fd, bytes, done, size - done, null);', replacement: 'size + done', reason: READ_ONCE },
  ...[['ConditionalExpression', 'true'], ['ConditionalExpression', 'false'], ['EqualityOperator', 'n !== 0']].map(([mutator, replacement]) => ({ file: PARSE_YAML, mutator, line: 'if (n === 0) break;', replacement, reason: READ_ONCE })),
  { file: PARSE_YAML, mutator: 'ConditionalExpression', line: 'if (isSeq(node)) return node.items.map((item, i) => (item === null ? null : this.toValue(item as Node, [...path, i])));', replacement: 'false', reason: 'the parser gives an empty item as a null scalar node, never as null' },
  { file: PARSE_YAML, mutator: 'ConditionalExpression', line: 'if (!this.origins.has(pathKey(path))) this.origins.set(pathKey(path), origin);', replacement: 'true', reason: "a path is met twice only when an alias expands, and the expansion is given the alias's own origin, the one already set" },
  { file: PARSE_YAML, mutator: 'OptionalChaining', line: 'const origin = place ?? this.originAt(node.range?.[0] ?? 0);', replacement: 'node.range[0]', reason: HAS_RANGE },
  { file: PARSE_YAML, mutator: 'OptionalChaining', line: 'this.issues.push({ origin: this.originAt(node.range?.[0] ?? 0), message: tagMessage(node.tag) });', replacement: 'node.range[0]', reason: HAS_RANGE },
  ...['keyNode?.range[0]', 'keyNode.range'].map((replacement) => ({ file: PARSE_YAML, mutator: 'OptionalChaining', line: 'const keyOrigin = this.originAt(keyNode?.range?.[0] ?? 0);', replacement, reason: HAS_RANGE })),
  { file: PARSE_YAML, mutator: 'StringLiteral', line: "schema: 'core',", replacement: '""', reason: "with version 1.2 the yaml library's default schema is core" },
  ...['/Unresolved tag: (.*)$/', '/^Unresolved tag: (.*)/'].map((replacement) => ({ file: PARSE_YAML, mutator: 'Regex', line: 'const tag = /^Unresolved tag: (.*)$/.exec(text);', replacement, reason: ONE_LINE })),
  { file: REFERENCES, mutator: 'StringLiteral', line: "return typeof value === 'string' && value.includes('${');", replacement: '""', reason: 'a string without ${ goes through the replacement unchanged and is stored back as itself' },
  { file: REFERENCES, mutator: 'ConditionalExpression', line: 'if (path.length === 0) return;', replacement: 'false', reason: 'the root is always a map (loading refuses anything else), so no string is ever stored at the root' },
  { file: 'src/config/secrets.ts', mutator: 'ConditionalExpression', line: 'for (const s of secrets) if (out.includes(s)) out = out.split(s).join(\'***\');', replacement: 'true', reason: 'a shortcut: splitting on a value that does not occur and joining gives the text back' },
  ...[['ConditionalExpression', 'true'], ['EqualityOperator', 'value.length >= 0']].map(([mutator, replacement]) => ({ file: 'src/config/dump.ts', mutator, line: 'if (Array.isArray(value)) return value.length > 0 && formatFlowList(value) === undefined;', original: 'value.length > 0', replacement, reason: 'an empty list formats as the flow list [], so it is never a block either way' })),
  { file: 'src/config/secrets.ts', mutator: 'StringLiteral', line: "const password = /^[a-z][a-z0-9+.-]*:\\/\\/[^\\s:@/]*:([^\\s@/]+)@/i.exec(env[name] ?? '')?.[1];", replacement: '"Stryker was here!"', reason: 'an unset variable is read as a text without a URL either way, so no password is found' },
  { file: 'src/supervision/lgd/objects.ts', mutator: 'EqualityOperator', line: 'for (let k = 0; k < count; k++) {', replacement: 'k <= count', reason: 'object count writes past the end of the masks (a typed array: dropped); the boxes it reads belong to other images or are past the end' },
  ...[['i <= t', 'i < t'], ['j <= t', 'j < t']].map(([replacement, original]) => ({ file: 'src/supervision/lgd/teacher.ts', mutator: 'EqualityOperator', line: 'for (let i = 0; i < t; i++) for (let j = 0; j < t; j++) blocked[i * t + j] = owner[i] === owner[j] ? 0 : 1;', original, replacement, reason: "the extra column writes the next row's first entry, which that row then overwrites; past the last row the typed-array write is dropped" })),
  { file: ACCUMULATE, mutator: 'MethodExpression', line: 'let v = Math.max(0, Math.ceil(recThrs[r] * npig));', replacement: 'Math.min(0, Math.ceil(recThrs[r] * npig))', reason: GUESS },
  { file: ACCUMULATE, mutator: 'ArithmeticOperator', line: 'let v = Math.max(0, Math.ceil(recThrs[r] * npig));', replacement: 'recThrs[r] / npig', reason: GUESS },
  ...[['LogicalOperator', 'v > 0 || (v - 1) / npig >= recThrs[r]'], ['ConditionalExpression', 'true', 'v > 0'], ['EqualityOperator', 'v >= 0'], ['ConditionalExpression', 'true', '(v - 1) / npig >= recThrs[r]'], ['ArithmeticOperator', '(v - 1) * npig'], ['ArithmeticOperator', 'v + 1']].map(([mutator, replacement, original]) => ({ file: ACCUMULATE, mutator, line: 'while (v > 0 && (v - 1) / npig >= recThrs[r]) v--;', ...(original === undefined ? {} : { original }), replacement, reason: `${GUESS}; at v = 0 the condition (−1)/npig ≥ recThrs[r] is false, so v never goes below 0` })),
  { file: ACCUMULATE, mutator: 'EqualityOperator', line: 'for (let r = 0; r < R; r++) {', occurrences: [1, 2], replacement: 'r <= R', reason: "the extra pass reads recThrs[R] or needTp[R] (undefined, so NaN or no write) and writes the entry of the next IoU threshold's r = 0, which that pass then overwrites; past the last one the typed-array write is dropped" },
  { file: ACCUMULATE, mutator: 'EqualityOperator', line: 'for (let t = 0; t < T; t++) {', replacement: 't <= T', reason: 'the extra threshold writes recall and precision entries past the end of their typed arrays (dropped); its prAtTp is rebuilt by the next pass' },
  ...['needTp', 'prAtTp', 'scoreAtTp'].map((name) => ({ file: ACCUMULATE, mutator: 'StringLiteral', line: name === 'needTp' ? "const needTp = scratch.get('needTp', Int32Array, R);" : `const ${name} = scratch.get('${name}', Float64Array, npig + 2);`, replacement: '""', reason: SCRATCH_NAME })),
  { file: ACCUMULATE, mutator: 'ArithmeticOperator', line: 'pr0 = tp / (fp + tp + EPS);', replacement: 'fp - tp', reason: 'pr0 counts only when the first detection decides it: a first TP gives a negative pr0 that prAtTp[1] then beats, exactly as the TP\'s own precision it replaces would tie it; with tp = 0 both read 0' },
  ...[['ConditionalExpression', 'true'], ['EqualityOperator', 'n >= 0']].map(([mutator, replacement]) => ({ file: ACCUMULATE, mutator, line: 'recall[((t * K + k) * A + a) * M + mi] = n > 0 ? tp / npig : 0;', replacement, reason: 'with no detection tp is 0, and 0 / npig is 0 (npig > 0 here)' })),
  { file: ACCUMULATE, mutator: 'EqualityOperator', line: 'for (let v = tp - 1; v >= 1; v--) if (prAtTp[v + 1] > prAtTp[v]) prAtTp[v] = prAtTp[v + 1];', replacement: 'prAtTp[v + 1] >= prAtTp[v]', reason: 'on a tie the assignment writes the value already there' },
  { file: ACCUMULATE, mutator: 'ConditionalExpression', line: 'if (n === 0 || v > tp) {', original: 'n === 0', replacement: 'false', reason: 'with no detection tp is 0: v > 0 takes this branch anyway, and v = 0 reads pr0 = 0 and score0 = 0, the same zeros' },
  ...[['ConditionalExpression', 'true'], ['EqualityOperator', 'prAtTp[1] >= pr0']].map(([mutator, replacement]) => ({ file: ACCUMULATE, mutator, line: 'precision[at] = tp > 0 && prAtTp[1] > pr0 ? prAtTp[1] : pr0;', original: 'prAtTp[1] > pr0', replacement, reason: "pr0 is 0 or the first TP's own precision, which the right-to-left maximum never lowers: prAtTp[1] ≥ pr0, and on a tie both are the same value" })),
  { file: 'src/eval/pairwise_sum.ts', mutator: 'EqualityOperator', line: 'for (let i = 0; i < values.length; i++) {', replacement: 'i <= values.length', reason: 'values[length] is undefined, and undefined > -1 is false: nothing is kept' },
  ...['/ in JSON at position \\d.*$/', '/ in JSON at position \\d+.*/'].map((replacement) => ({ file: 'src/eval/read_json.ts', mutator: 'Regex', line: "const reason = message.replace(/ in JSON at position \\d+.*$/, '');", replacement, reason: "the parser's message is one line ending in its position text, and .* takes whatever digits \\d left" })),
  { file: 'src/eval/validate.ts', mutator: 'ConditionalExpression', line: "if (typeof value !== 'number' || !Number.isFinite(value)) {", original: "typeof value !== 'number'", replacement: 'false', reason: 'Number.isFinite is false for every non-number (it does not convert), so the typeof test only narrows the type' },
  { file: 'src/eval/validate.ts', mutator: 'ConditionalExpression', line: "if (typeof v !== 'number' || !Number.isFinite(v)) {", original: "typeof v !== 'number'", replacement: 'false', reason: 'Number.isFinite is false for every non-number (it does not convert), so the typeof test only narrows the type' },
  ...[
    ['for (let i = 0; i < order.length; i++) start[key[order[i]] + 1]++;', 'i <= order.length', 'the extra pass reads past the end of order (undefined), and a typed array ignores the NaN index it increments'],
    ['for (let k = 0; k < nKeys; k++) start[k + 1] += start[k];', 'k <= nKeys', 'start[nKeys + 1] is past the end of the typed array: the write is dropped'],
    ['for (let i = 0; i < order.length; i++) next[start[key[order[i]]]++] = order[i];', 'i <= order.length', 'the extra pass reads past the end of order (undefined): start[undefined] and next[NaN] are not indices of their typed arrays, so nothing is written'],
    ['for (let i = 0; i < order.length; i++) bucketStart[category[i] + 1]++;', 'i <= order.length', 'category is a subarray of the selected rows, so the extra read is undefined and the NaN index is ignored'],
    ['for (let k = 0; k < nCats; k++) bucketStart[k + 1] += bucketStart[k];', 'k <= nCats', 'bucketStart[nCats + 1] is past the end of the typed array: the write is dropped'],
    ['for (let i = 0; i < imageIds.length; i++) {', 'i <= imageIds.length', 'the extra id is undefined, which no image index holds, so the row is skipped'],
    ['for (let j = 0; j < nG; j++) {', 'j <= nG', 'the extra pass reads past the group order (undefined) and writes past the end of every GT typed array (dropped)'],
    ['for (let c = 0; c < 4; c++) gtBox[4 * j + c] = ga.bbox[4 * row + c];', 'c <= 4', "the fifth value lands on the next box's x, which that box's pass overwrites (past the last box the write is dropped)"],
    ['for (let j = 0; j < nD; j++) {', 'j <= nD', 'the extra pass reads past the group order (undefined) and writes past the end of every detection typed array (dropped)'],
    ['for (let c = 0; c < 4; c++) dtBox[4 * j + c] = dt.bbox[4 * row + c];', 'c <= 4', "the fifth value lands on the next box's x, which that box's pass overwrites (past the last box the write is dropped)"],
  ].map(([line, replacement, reason]) => ({ file: 'src/eval/prepared.ts', mutator: 'EqualityOperator', line, replacement, reason })),
  ...[
    ["codes: scratch.get('codes', Uint8Array, A * T * stride),", 'codes'], ["kept: scratch.get('kept', Int32Array, stride),", 'kept'], ["outCode: scratch.get('outCode', Uint8Array, stride),", 'outCode'],
    ["ign: scratch.get('ign', Uint8Array, nGt),", 'ign'], ["gtOrder: scratch.get('gtOrder', Int32Array, nGt),", 'gtOrder'], ["taken: scratch.get('taken', Uint8Array, nGt),", 'taken'],
    ["const rank = scratch.get('rank', Int32Array, stride);", 'rank'], ["const keptScore = scratch.get('keptScore', Float64Array, stride);", 'keptScore'], ["const detOrder = scratch.get('detOrder', Int32Array, stride);", 'detOrder'],
    ["const order = scratch.get('order', Int32Array, nKept);", 'order'],
  ].map(([line]) => ({ file: 'src/eval/evaluate_bucket.ts', mutator: 'StringLiteral', line, replacement: '""', reason: SCRATCH_NAME })),
  ...[
    ['ArrowFunction', '() => undefined'], ['ArithmeticOperator', 'data.dtStart[k + 1] - data.dtStart[k] + data.gtStart[k + 1] + data.gtStart[k]'], ['ArithmeticOperator', 'data.dtStart[k + 1] - data.dtStart[k] - data.gtStart[k + 1]'],
    ['ArithmeticOperator', 'data.dtStart[k + 1] + data.dtStart[k]'], ['ArithmeticOperator', 'k - 1'],
  ].map(([mutator, replacement]) => ({ file: 'src/eval/bucket_queue.ts', mutator, line: 'const sizes = Array.from({ length: data.buckets }, (_, k) => data.dtStart[k + 1] - data.dtStart[k] + data.gtStart[k + 1] - data.gtStart[k]);', replacement, reason: SCHEDULE })),
  ...[
    ['MethodExpression', 'sizes.map((_, k) => k)'], ['ArrowFunction', '() => undefined'], ['ConditionalExpression', 'true'], ['ConditionalExpression', 'false'], ['LogicalOperator', 'sizes[b] - sizes[a] && a - b'],
    ['ArithmeticOperator', 'sizes[b] + sizes[a]'], ['ArithmeticOperator', 'a + b'],
  ].map(([mutator, replacement]) => ({ file: 'src/eval/bucket_queue.ts', mutator, line: 'queue.set(sizes.map((_, k) => k).sort((a, b) => sizes[b] - sizes[a] || a - b));', replacement, reason: SCHEDULE })),
  { file: 'src/eval/bucket_queue.ts', mutator: 'ArithmeticOperator', line: 'const workers = Math.min(threads, data.buckets) - 1;', replacement: 'Math.min(threads, data.buckets) + 1', reason: SCHEDULE },
  ...[['ConditionalExpression', 'false'], ['EqualityOperator', 'w <= workers']].map(([mutator, replacement]) => ({ file: 'src/eval/bucket_queue.ts', mutator, line: 'for (let w = 0; w < workers; w++) {', replacement, reason: SCHEDULE })),
  { file: 'src/eval/bucket_queue.ts', mutator: 'BlockStatement', line: 'for (let w = 0; w < workers; w++) {', replacement: '{}', reason: SCHEDULE },
  { file: 'src/eval/bucket_queue.ts', mutator: 'EqualityOperator', line: 'if (at >= job.queue.length) return;', replacement: 'at > job.queue.length', reason: 'queue[length] is undefined: the bucket it names has no rows (its start and end read undefined), so evaluating it writes nothing' },
  { file: 'src/eval/bucket_queue.ts', mutator: 'BlockStatement', line: 'export function defaultThreads(data: PreparedData): number {', replacement: '{}', reason: SCHEDULE },
  { file: 'src/eval/bucket_queue.ts', mutator: 'ArithmeticOperator', line: 'const rows = data.gtImage.length + data.dtImage.length;', replacement: 'data.gtImage.length - data.dtImage.length', reason: SCHEDULE },
  ...[['ConditionalExpression', 'true'], ['ConditionalExpression', 'false'], ['EqualityOperator', 'rows <= IN_PROCESS_LIMIT'], ['EqualityOperator', 'rows >= IN_PROCESS_LIMIT']].map(([mutator, replacement]) => ({ file: 'src/eval/bucket_queue.ts', mutator, line: 'if (rows < IN_PROCESS_LIMIT) return 1;', replacement, reason: SCHEDULE })),
  ...[['MethodExpression', 'Math.min(1, Math.min(availableParallelism(), data.buckets, 8))'], ['MethodExpression', 'Math.max(availableParallelism(), data.buckets, 8)']].map(([mutator, replacement]) => ({ file: 'src/eval/bucket_queue.ts', mutator, line: 'return Math.max(1, Math.min(availableParallelism(), data.buckets, 8));', replacement, reason: SCHEDULE })),
  { file: 'src/eval/coco_eval.ts', mutator: 'ConditionalExpression', line: "const data = prepare(gt, dt, { ...params, honourIgnoreFlag: deviations.honourIgnoreFlag === true, detectionMatches: options.detectionMatches === true });", replacement: 'true', reason: 'preparing the match arrays only costs memory: the result carries them only when detectionMatches is asked for' },
];
