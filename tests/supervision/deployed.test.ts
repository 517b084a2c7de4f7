import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { tf, type Tensor4D } from '../../src/engine/tf.js';
import { initEngine } from '../../src/engine/init.js';
import { countFlops } from '../../src/nn/flops.js';
import type { SingleStageDetector } from '../../src/detection/single_stage_detector.js';
import { SIZE, tinyDetector } from './helpers.js';
import { SUPERVISOR_CASES } from './cases.js';

before(async () => {
  await initEngine({ backend: 'wasm', log: false });
});

function deployedCost(model: SingleStageDetector): { params: number; flops: number; names: string[] } {
  const deployed = model.inferenceModel();
  const images = tf.zeros([1, SIZE, SIZE, 3]) as Tensor4D;
  const report = countFlops(deployed, () => void deployed.forward(images));
  images.dispose();
  return { params: deployed.numParameters(), flops: report.totalFlops, names: deployed.namedParameters().map(([n]) => n) };
}

for (const c of SUPERVISOR_CASES) {
  test(`${c.name} (${c.detector}): the deployed model equals the baseline in params and FLOPs`, () => {
    const baseline = deployedCost(tinyDetector(c.detector));
    const supervised = tinyDetector(c.detector, [c.config], c.parts);
    const cost = deployedCost(supervised);
    assert.equal(cost.params, baseline.params);
    assert.equal(cost.flops, baseline.flops);
    assert.deepEqual(cost.names, baseline.names);
    assert.ok(supervised.numParameters() > cost.params, 'the training model holds the supervisor modules');
    assert.ok(supervised.namedParameters().some(([n]) => n.startsWith('supervisors.0.')));
  });
}
