/**
 * A ResNet-18-shaped conv stack (7×7/2 stem, max-pool, 4 stages of 2 basic
 * blocks, 64-128-256-512 channels, BatchNorm in training mode) and its
 * forward conv FLOP count, for timing a training step.
 */
import { tf, type Tensor, type Tensor4D, type Variable } from '../../src/engine/tf.js';
import { batchNormTrain } from '../../src/engine/batch_norm.js';

interface Bn {
  gamma: Variable;
  beta: Variable;
}

interface Block {
  stride: number;
  w1: Variable<tf.Rank.R4>;
  bn1: Bn;
  w2: Variable<tf.Rank.R4>;
  bn2: Bn;
  down?: { w: Variable<tf.Rank.R4>; bn: Bn };
}

export interface ResNetStack {
  variables: Variable[];
  /** Multiply-adds ×2 of every forward conv at the given input. */
  forwardFlops: number;
  /** The four stage outputs (C2..C5). */
  forward(x: Tensor4D): Tensor4D[];
  /** Sum of mean squares of C3..C5: a stand-in loss reaching every layer of the stack. */
  loss(x: Tensor4D): tf.Scalar;
}

export function resnet18Stack(batch: number, size: number, widths = [64, 128, 256, 512]): ResNetStack {
  const variables: Variable[] = [];
  let flops = 0;
  let seed = 1;
  const conv = (k: number, cin: number, cout: number, inSize: number, stride: number): Variable<tf.Rank.R4> => {
    const out = Math.ceil(inSize / stride);
    flops += 2 * batch * out * out * k * k * cin * cout;
    const w = tf.variable(tf.randomNormal([k, k, cin, cout], 0, Math.sqrt(2 / (k * k * cin)), 'float32', seed++)) as Variable<tf.Rank.R4>;
    variables.push(w);
    return w;
  };
  const bn = (c: number): Bn => {
    const p = { gamma: tf.variable(tf.ones([c])), beta: tf.variable(tf.zeros([c])) };
    variables.push(p.gamma, p.beta);
    return p;
  };
  const stem = { w: conv(7, 3, widths[0], size, 2), bn: bn(widths[0]) };
  const stages: Block[][] = [];
  let cin = widths[0];
  let res = Math.ceil(size / 4);
  widths.forEach((cout, s) => {
    const blocks: Block[] = [];
    for (let b = 0; b < 2; b++) {
      const stride = s > 0 && b === 0 ? 2 : 1;
      const block: Block = { stride, w1: conv(3, cin, cout, res, stride), bn1: bn(cout), w2: conv(3, cout, cout, Math.ceil(res / stride), 1), bn2: bn(cout) };
      if (stride !== 1 || cin !== cout) block.down = { w: conv(1, cin, cout, res, stride), bn: bn(cout) };
      blocks.push(block);
      res = Math.ceil(res / stride);
      cin = cout;
    }
    stages.push(blocks);
  });

  const norm = (x: Tensor4D, p: Bn): Tensor4D => batchNormTrain(x, p.gamma as tf.Tensor1D, p.beta as tf.Tensor1D, 1e-5).y;
  const forward = (x: Tensor4D): Tensor4D[] => {
    let y = tf.relu(norm(tf.conv2d(x, stem.w, 2, 'same'), stem.bn));
    y = tf.maxPool(y, 3, 2, 'same');
    const feats: Tensor4D[] = [];
    for (const blocks of stages) {
      for (const b of blocks) {
        const r = norm(tf.conv2d(tf.relu(norm(tf.conv2d(y, b.w1, b.stride, 'same'), b.bn1)), b.w2, 1, 'same'), b.bn2);
        const shortcut = b.down ? norm(tf.conv2d(y, b.down.w, b.stride, 'same'), b.down.bn) : y;
        y = tf.relu(tf.add(r, shortcut)) as Tensor4D;
      }
      feats.push(y);
    }
    return feats;
  };
  const loss = (x: Tensor4D): tf.Scalar => tf.addN(forward(x).slice(1).map((f: Tensor) => tf.mean(tf.square(f)))) as tf.Scalar;
  return { variables, forwardFlops: flops, forward, loss };
}
