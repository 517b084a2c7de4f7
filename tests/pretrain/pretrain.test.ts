/**
 * Backbone pretraining (`detlab pretrain`): the shapes classification data,
 * a tiny run end to end whose backbone.safetensors holds exactly torchvision's
 * ResNet-18 names and shapes and loads into a detector through
 * `model.backbone.init.checkpoint`, and the loss going down.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { initEngine } from '../../src/engine/init.js';
import { tf } from '../../src/engine/tf.js';
import { rngFor } from '../../src/data/rng.js';
import { DEFAULT_SCENE, renderScene } from '../../src/data/shapes/scene.js';
import type { Detector } from '../../src/detection/types.js';
import { readSafetensors } from '../../src/nn/safetensors.js';
import { stateToTorch } from '../../src/nn/torch_layout.js';
import { build } from '../../src/registry/build.js';
import { loadValidatedConfig } from '../../src/registry/load_validated.js';
import { runPretraining } from '../../src/pretrain/session.js';
import { CLASSIFICATION_CLASSES, ClassificationStream, classificationBatch, classificationImage, type ShapesClassificationParams } from '../../src/pretrain/shapes_classification.js';
import { Rng } from '../../src/train/rng.js';
import { Normalize } from '../../registry/transforms/normalize.js';

await initEngine({ threads: 1, log: () => undefined });

const REPO = resolve(fileURLToPath(import.meta.url), '../../../..');
const PARAMS: ShapesClassificationParams = { size: 32, seed: 3, minSide: 8, clutterLines: 5 };
const MEAN = [123.675, 116.28, 103.53];
const STD = [58.395, 57.12, 57.375];

test('shapes classification: one shape per image, labelled by its class; balanced, deterministic, train and val apart', () => {
  const counts = new Array<number>(CLASSIFICATION_CLASSES.length).fill(0);
  for (let i = 0; i < 600; i++) {
    const { pixels, label, box } = classificationImage(PARAMS, 'train', i);
    assert.equal(pixels.length, 32 * 32 * 3);
    assert.ok(Number.isInteger(label) && label >= 0 && label < 6, `image ${i}: label ${label}`);
    const [x1, y1, x2, y2] = box;
    assert.ok(x1 >= 0 && y1 >= 0 && x2 <= 32 && y2 <= 32 && x2 - x1 >= 8 && y2 - y1 >= 8, `image ${i}: box [${box.join(', ')}] inside the image, sides >= min_side`);
    counts[label] += 1;
  }
  for (const [k, n] of counts.entries()) assert.ok(n > 60 && n < 140, `class ${CLASSIFICATION_CLASSES[k]}: ${n} of 600 images`);
  const again = classificationImage(PARAMS, 'train', 7);
  assert.deepEqual(again.pixels, classificationImage(PARAMS, 'train', 7).pixels, 'the same index gives the same image');
  assert.notDeepEqual(classificationImage(PARAMS, 'val', 7).pixels, again.pixels, 'val images are not train images');
});

test("shapes classification: image, label and box are the detection renderer's one-shape scene and its annotation", () => {
  for (let i = 0; i < 50; i++) {
    const image = classificationImage(PARAMS, 'val', i);
    const scene = renderScene(32, rngFor(PARAMS.seed, 0x70726574, 1, i), { ...DEFAULT_SCENE, objects: [1, 1], maxOcclusion: 1, minSide: 8, clutterLines: 5 });
    assert.equal(scene.objects.length, 1);
    assert.equal(image.label, scene.objects[0].label, `image ${i}`);
    assert.deepEqual(image.box, scene.objects[0].box);
    assert.deepEqual(image.pixels, scene.pixels);
  }
});

test('batches: labels in index order, pipeline applied per image, and the stream resumes at its position', () => {
  const normalize = Normalize.build({ mean: MEAN as [number, number, number], std: STD as [number, number, number], to_rgb: true }, { path: 'test' } as never);
  const batch = classificationBatch(PARAMS, 'train', [4, 5, 6], [normalize]);
  assert.deepEqual(batch.images.shape, [3, 32, 32, 3]);
  assert.deepEqual([...batch.labels], [4, 5, 6].map((i) => classificationImage(PARAMS, 'train', i).label));
  const first = batch.images.dataSync();
  const raw = classificationImage(PARAMS, 'train', 4).pixels;
  for (const j of [0, 1, 2, 100, 3071]) assert.ok(Math.abs(first[j] - (raw[j] - MEAN[j % 3]) / STD[j % 3]) < 1e-5, `value ${j} normalised`);
  batch.images.dispose();

  const a = new ClassificationStream(PARAMS, [], 4);
  a.next().images.dispose();
  const saved = a.state();
  const expected = a.next();
  const b = new ClassificationStream(PARAMS, [], 4);
  b.loadState(saved);
  const resumed = b.next();
  assert.deepEqual([...resumed.labels], [...expected.labels]);
  assert.deepEqual(resumed.images.dataSync(), expected.images.dataSync());
  tf.dispose([expected.images, resumed.images]);
});

/** torchvision's resnet18 state_dict: names and shapes, at `w` base channels (64 in torchvision). */
function torchvisionResnet18(w: number, classes: number, withBnBuffers: boolean): Map<string, number[]> {
  const out = new Map<string, number[]>();
  const bn = (p: string, c: number): void => {
    out.set(`${p}.weight`, [c]);
    out.set(`${p}.bias`, [c]);
    if (withBnBuffers) {
      out.set(`${p}.running_mean`, [c]);
      out.set(`${p}.running_var`, [c]);
      out.set(`${p}.num_batches_tracked`, []);
    }
  };
  out.set('conv1.weight', [w, 3, 7, 7]);
  bn('bn1', w);
  let inC = w;
  for (let s = 0; s < 4; s++) {
    const c = w * 2 ** s;
    for (let b = 0; b < 2; b++) {
      const p = `layer${s + 1}.${b}`;
      out.set(`${p}.conv1.weight`, [c, b === 0 ? inC : c, 3, 3]);
      bn(`${p}.bn1`, c);
      out.set(`${p}.conv2.weight`, [c, c, 3, 3]);
      bn(`${p}.bn2`, c);
      if (b === 0 && s > 0) {
        out.set(`${p}.downsample.0.weight`, [c, inC, 1, 1]);
        bn(`${p}.downsample.1`, c);
      }
    }
    inC = c;
  }
  out.set('fc.weight', [classes, 8 * w]);
  out.set('fc.bias', [classes]);
  return out;
}

function header(file: string): Record<string, { dtype: string; shape: number[] }> {
  const bytes = readFileSync(file);
  const n = Number(bytes.readBigUInt64LE(0));
  const h = JSON.parse(bytes.subarray(8, 8 + n).toString('utf8')) as Record<string, { dtype: string; shape: number[] }>;
  delete h.__metadata__;
  return h;
}

function tinyConfig(dir: string, norm: string, iters: number): string {
  const file = join(dir, `tiny_${norm}.yaml`);
  writeFileSync(
    file,
    `name: tiny_pretrain_${norm}
seed: 0
pretrain:
  backbone: { type: ResNet, depth: 18, base_channels: 8, out_indices: [3], frozen_stages: -1, norm: ${norm === 'gn' ? '{ type: GN, num_groups: 4 }' : '{ type: BN }'}, norm_eval: false }
  data: { size: 32, batch_size: 16, num_val: 32, pipeline: [{ type: Normalize }], val_pipeline: [{ type: Normalize }] }
optimizer: { type: AdamW, lr: 0.003, weight_decay: 0.0001 }
schedule: { type: ConstantLR }
engine: { threads: 1 }
tracking: { uri: ${join(dir, 'mlruns')} }
train: { max_iters: ${iters}, log_interval: 1, progress_interval: 1000, checkpoint: { interval: 1000, max_keep: 1 } }
`,
  );
  return file;
}

const quiet = { write: () => true } as unknown as NodeJS.WritableStream;

test('a tiny pretrain run writes backbone.safetensors with exactly torchvision resnet18 names and shapes, which loads into a detector through init.checkpoint', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'detlab-pretrain-'));
  try {
    const report = await runPretraining({ configFile: tinyConfig(dir, 'bn', 3), workDir: join(dir, 'runs'), out: quiet });
    assert.equal(report.outcome, 'finished');
    const file = report.backboneFile!;
    assert.ok(report.valAccuracy !== undefined && report.valAccuracy >= 0 && report.valAccuracy <= 1);

    const expected = torchvisionResnet18(8, 6, true);
    assert.equal(expected.size, 122, "torchvision's resnet18 state_dict has 122 entries");
    const h = header(file);
    assert.deepEqual(Object.keys(h).sort(), [...expected.keys()].sort());
    for (const [name, shape] of expected) {
      assert.deepEqual(h[name].shape, shape, name);
      assert.equal(h[name].dtype, name.endsWith('num_batches_tracked') ? 'I64' : 'F32', name);
    }
    const { tensors } = readSafetensors(file);
    assert.equal(tensors.get('layer2.0.bn1.num_batches_tracked')!.dataSync()[0], 3, 'one training forward per iteration');

    // The names the loader expects: those of a ResNet built from the same options, in torch layout, plus fc and the counters it skips.
    const v = await loadValidatedConfig(resolve(REPO, 'configs/retinanet/retinanet_r18_fpn_demo_shapes.yaml'), {
      overrides: ['model.backbone.base_channels=8', 'model.backbone.norm={type: BN}', 'model.neck.in_channels=[16,32,64]', `++model.backbone.init.checkpoint=${file}`],
    });
    const detector = build<Detector>('detector', v.config.model, { registry: v.registry, origins: v.origins, path: 'model', extras: { numClasses: 6, rng: new Rng(0) } });
    const backbone = (detector as unknown as { backbone: Parameters<typeof stateToTorch>[0] }).backbone;
    const loaded = stateToTorch(backbone);
    assert.deepEqual(
      [...loaded.keys()].sort(),
      [...expected.keys()].filter((k) => !k.startsWith('fc.') && !k.endsWith('num_batches_tracked')).sort(),
    );
    for (const name of ['conv1.weight', 'layer3.0.downsample.0.weight', 'layer4.1.bn2.running_var', 'bn1.bias']) {
      assert.deepEqual(loaded.get(name)!.dataSync(), tensors.get(name)!.dataSync(), `${name} read back equals the pretrained value`);
    }
    assert.ok(tensors.get('layer4.1.bn2.running_var')!.dataSync().some((x) => x !== 1), 'running statistics were learnt');
    tf.dispose([...tensors.values()]);
    detector.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('pretraining lowers the loss: the last 10 of 60 iterations average below the first 10', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'detlab-pretrain-'));
  try {
    const report = await runPretraining({ configFile: tinyConfig(dir, 'gn', 60), workDir: join(dir, 'runs'), out: quiet });
    const losses = readFileSync(join(report.runDir, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { metrics: Record<string, number> })
      .flatMap((r) => (r.metrics.loss === undefined ? [] : [r.metrics.loss]));
    assert.equal(losses.length, 60);
    const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
    const first = mean(losses.slice(0, 10));
    const last = mean(losses.slice(-10));
    assert.ok(last < first - 0.05, `loss from ${first.toFixed(3)} to ${last.toFixed(3)}`);
    assert.deepEqual(Object.keys(header(report.backboneFile!)).filter((k) => k.startsWith('bn1.')).sort(), ['bn1.bias', 'bn1.weight'], 'GroupNorm has no running statistics, as in torchvision');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
