/**
 * LGD's loss and the teacher's pure pieces against PyTorch values computed
 * from the official code's equations (tests/fixtures/supervision/lgd.json):
 * loss_distill with its λ and gradient on the student features, the inside
 * masks and mean mask pooling, the appearance embeddings, the cross-image
 * attention, the rendering of
 * X^I with its refinement; and that the
 * supervisor applies the configured λ.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { tf, type Tensor, type Tensor2D, type Tensor4D } from '../../src/engine/tf.js';
import { initEngine } from '../../src/engine/init.js';
import { distillationLoss } from '../../src/supervision/lgd/lgd.js';
import { insideMasks } from '../../src/supervision/lgd/objects.js';
import { DynamicTeacher, crossImageMask, maskMeanPool, type InteractPattern } from '../../src/supervision/lgd/teacher.js';
import { drawnBatch, tinyDetector } from './helpers.js';
import { adaptedDistanceInputs, assertClose, loadReference, stateDict, tensor, type AdaptedDistanceCase, type Stored } from './reference.js';

interface AttentionResult {
  output: Stored;
  grad_appearance: Stored;
  grad_labels: Stored;
}

interface LgdReference {
  distill: AdaptedDistanceCase;
  appearance: { state: Record<string, Stored>; level: Stored; embeddings: Stored; cotangent: Stored; grad_level: Stored };
  rendering: { counts: number[]; embeddings: Stored; state: Record<string, Stored>; cotangent: Stored } & Record<'context' | 'no_context', { output: Stored; grad_embeddings: Stored }>;
  mask_pool: { pad: [number, number]; level: [number, number]; boxes: number[][]; feat: Stored[]; masks: Stored[]; pooled: Stored[]; cotangent: Stored[]; grad_feat: Stored[] };
  attention: { counts: number[]; heads: number; blocked: number[][]; state: Record<string, Stored>; appearance: Stored; labels: Stored; cotangent: Stored } & Record<InteractPattern, AttentionResult>;
}

const ref = loadReference<LgdReference>('lgd.json');

before(async () => {
  await initEngine({ backend: 'wasm', log: false });
});

test('loss_distill = λ·mean((IN(A(X^S)) − IN(sg(X^I)))²) over all levels, and its gradient on the student, equal PyTorch (λ = 0.7)', () => {
  const c = ref.distill;
  const { adapter, student, target } = adaptedDistanceInputs(c);
  const loss = (...levels: Tensor[]): tf.Scalar => distillationLoss(adapter, levels as Tensor4D[], target, c.lambda, true);
  assertClose(loss(...student), c.loss, 'loss_distill');
  tf.grads(loss)(student).forEach((g, l) => assertClose(g, c.grad_student[l], `d loss_distill / d student level ${l}`));
  // Distillation off changes what learns, never the value.
  assertClose(distillationLoss(adapter, student, target, c.lambda, false), c.loss, 'loss_distill while off');
});

test('inside masks and mean mask pooling (with its gradient) equal PyTorch, an empty mask pooling to zeros', () => {
  const m = ref.mask_pool;
  const [h, w] = m.level;
  m.boxes.forEach((boxes, i) => {
    const masks = insideMasks(Float32Array.from(boxes), 0, boxes.length / 4, h, w, m.pad[0], m.pad[1]);
    assert.deepEqual(Array.from(masks), m.masks[i].data, `image ${i}: inside masks`);
    const pool = (feat: Tensor): Tensor => maskMeanPool(tf.tensor2d(masks, [boxes.length / 4, h * w]), feat as Tensor2D);
    const feat = tensor(m.feat[i]);
    assertClose(pool(feat), m.pooled[i], `image ${i}: pooled`);
    const cot = tensor(m.cotangent[i]);
    assertClose(tf.grad((x: Tensor) => tf.sum(tf.mul(pool(x), cot)))(feat), m.grad_feat[i], `image ${i}: d pooled / d feat`);
  });
  assert.ok(m.masks[1].data.slice(w * h, 2 * w * h).every((v) => v === 0), 'the fixture holds an empty mask');
});

test('appearance embeddings (projection with GN(1), then mean mask pooling per image) and their gradient on the level equal PyTorch', () => {
  const a = ref.appearance;
  const masks = ref.mask_pool.masks.map((s) => tensor<Tensor2D>(s));
  const teacher = new DynamicTeacher({ numClasses: 3, channels: a.level.shape[3], numHeads: 2, pattern: 'student' });
  assert.deepEqual(teacher.loadStateDict(stateDict(a.state), false).unexpected, []);
  const embed = (level: Tensor): Tensor => teacher.appearance(level as Tensor4D, masks);
  const level = tensor(a.level);
  assertClose(embed(level), a.embeddings, 'appearance embeddings');
  assertClose(tf.grad((x: Tensor) => tf.sum(tf.mul(embed(x), tensor(a.cotangent))))(level), a.grad_level, 'd embeddings / d level');
});

test('the cross-image attention (query = appearance or label) and its gradients equal torch nn.MultiheadAttention with the block mask', () => {
  const a = ref.attention;
  assert.deepEqual(tf.cast(crossImageMask(a.counts), 'int32').arraySync(), a.blocked);
  const appearance = tensor<Tensor2D>(a.appearance);
  const labels = tensor<Tensor2D>(a.labels);
  const cot = tensor(a.cotangent);
  for (const pattern of ['student', 'label'] as const) {
    const teacher = new DynamicTeacher({ numClasses: 3, channels: appearance.shape[1], numHeads: a.heads, pattern });
    teacher.attention.loadStateDict(stateDict(a.state));
    const out = (app: Tensor, lab: Tensor): Tensor => teacher.interact(app as Tensor2D, lab as Tensor2D, a.counts);
    assertClose(out(appearance, labels), a[pattern].output, `${pattern}: output`);
    const [ga, gl] = tf.grads((app: Tensor, lab: Tensor) => tf.sum(tf.mul(out(app, lab), cot)))([appearance, labels]);
    assertClose(ga, a[pattern].grad_appearance, `${pattern}: d output / d appearance`);
    assertClose(gl, a[pattern].grad_labels, `${pattern}: d output / d labels`);
  }
});

test('X^I rendering (with and without the context token) and refinement, and the gradient on the embeddings, equal PyTorch', () => {
  const r = ref.rendering;
  const m = ref.mask_pool;
  const [h, w] = m.level;
  const masks = m.masks.map((s) => tensor<Tensor2D>(s));
  const embeddings = tensor(r.embeddings);
  const cot = tensor(r.cotangent);
  const teacher = new DynamicTeacher({ numClasses: 3, channels: r.embeddings.shape[1], numHeads: 2, pattern: 'student' });
  const { missing, unexpected } = teacher.loadStateDict(stateDict(r.state), false);
  assert.deepEqual(unexpected, []);
  assert.ok(missing.every((k) => !/^(inst_proj|ctx_proj|render|refine)\./.test(k)), `rendering weights all loaded: ${missing.join(', ')}`);
  for (const context of [true, false]) {
    const c = r[context ? 'context' : 'no_context'];
    const render = (e: Tensor): Tensor4D => teacher.mapLevel(e as Tensor2D, masks, r.counts, context, h, w);
    assertClose(render(embeddings), c.output, `context ${context}: X^I`);
    assertClose(tf.grad((e: Tensor) => tf.sum(tf.mul(render(e), cot)))(embeddings), c.grad_embeddings, `context ${context}: d X^I / d embeddings`);
  }
});

test('the configured lambda reaches loss_distill: 0.7 × the λ = 1 value on the same weights and batch', () => {
  const batch = drawnBatch();
  const [one, scaled] = [1, 0.7].map((lambda) => tinyDetector('retinanet', [{ type: 'LGD', lambda }]));
  scaled.loadStateDict(one.stateDict());
  const distill = (m: typeof one): number => m.forwardTrain(batch, { iter: 0, maxIters: 10 }).loss_distill.dataSync()[0];
  const base = distill(one);
  assert.ok(base > 0.1, `loss_distill at λ = 1: ${base}`);
  assertClose(distill(scaled), 0.7 * base, 'loss_distill at λ = 0.7');
});
