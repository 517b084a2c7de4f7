/**
 * TSCODE's cost against FCOS R-50-FPN at 1280×800 (the paper's Table 1
 * setting: 200.6 → 182.6 with SCE, 213.2 with DPE, 195.2 with both): SCE
 * lowers the GFLOPs, DPE raises them. Counted by tracing shapes only.
 */
import { before, it } from 'node:test';
import assert from 'node:assert/strict';
import { tf, type Tensor4D } from '../../src/engine/tf.js';
import { initEngine } from '../../src/engine/init.js';
import type { SingleStageDetector } from '../../src/detection/single_stage_detector.js';
import { countFlops } from '../../src/nn/flops.js';
import type { Component } from '../../src/registry/component.js';
import { resnet } from '../../registry/backbones/resnet.js';
import { fpn } from '../../registry/necks/fpn.js';
import { FCOS } from '../../registry/detectors/single_stage.js';
import { FcosHeadComponent } from '../../registry/heads/fcos_head.js';
import { TscodeHeadComponent } from '../../registry/heads/tscode_head.js';
import { buildComponent } from '../detection/build_helpers.js';

const FCOS_HEAD = { type: 'FCOSHead', norm: { type: 'GN', num_groups: 32 }, conv_bias: true, centerness_on_reg: true, norm_on_bbox: true };

function gflops(head: Record<string, unknown>): number {
  const model = buildComponent<SingleStageDetector>(FCOS, { head }, { numClasses: 80 }, [resnet, fpn, FcosHeadComponent, TscodeHeadComponent] as Component<unknown, unknown>[]);
  const net = model.inferenceModel().eval();
  const report = countFlops(net, () => {
    net.forward(tf.zeros([1, 800, 1280, 3]) as Tensor4D);
  });
  model.dispose();
  return report.totalFlops / 1e9;
}

before(async () => {
  await initEngine({ backend: 'wasm', log: false });
});

it('FCOS GFLOPs at 1280×800: lower with SCE, higher with DPE, lower with both', () => {
  const base = gflops(FCOS_HEAD);
  const sce = gflops({ type: 'TSCODEHead', head: FCOS_HEAD, dpe: false });
  const dpe = gflops({ type: 'TSCODEHead', head: FCOS_HEAD, sce: false });
  const both = gflops({ type: 'TSCODEHead', head: FCOS_HEAD });
  console.log(`FCOS R-50 1280x800 GFLOPs: base ${base.toFixed(1)}, +SCE ${sce.toFixed(1)}, +DPE ${dpe.toFixed(1)}, +SCE+DPE ${both.toFixed(1)} (paper 200.6, 182.6, 213.2, 195.2)`);
  assert.ok(sce < base, `SCE ${sce} < base ${base}`);
  assert.ok(dpe > base, `DPE ${dpe} > base ${base}`);
  assert.ok(both < base && both > sce, `both ${both} between SCE ${sce} and base ${base}`);
});
