/**
 * LabelEnc's label-encoding function h (spec §1.3): a ResNet-like trunk on
 * the label map (7×7 stride-2 stem without activation, bottleneck stages
 * {1, 2, 2, 1}, no normalisation, biases everywhere but the projection
 * shortcuts), wrapped by its own FPN built like the detector's.
 */
import { tf, type Tensor4D } from '../../engine/tf.js';
import { Conv2d } from '../../nn/conv2d.js';
import { kaimingUniform } from '../../nn/init.js';
import type { Neck } from '../../nn/backbone.js';
import { Module } from '../../nn/module.js';
import { ModuleList } from '../../nn/module_list.js';

// maskrcnn-benchmark's kaiming_uniform_(a=1) on the bottleneck and shortcut convs.
const kaimingA1 = (shape: number[], fans: { fanIn: number }): tf.Tensor => kaimingUniform(shape, { fan: fans.fanIn, a: 1 });

class Bottleneck extends Module {
  private readonly conv1: Conv2d;
  private readonly conv2: Conv2d;
  private readonly conv3: Conv2d;
  private readonly shortcut?: Conv2d;

  constructor(inC: number, mid: number, outC: number, stride: number) {
    super();
    this.conv1 = this.child('conv1', new Conv2d(inC, mid, { kernelSize: 1, initWeight: kaimingA1 }));
    // The stride sits on the 3×3 conv (stride_in_1x1 = False).
    this.conv2 = this.child('conv2', new Conv2d(mid, mid, { kernelSize: 3, stride, padding: 1, initWeight: kaimingA1 }));
    this.conv3 = this.child('conv3', new Conv2d(mid, outC, { kernelSize: 1, initWeight: kaimingA1 }));
    if (inC !== outC) this.shortcut = this.child('shortcut', new Conv2d(inC, outC, { kernelSize: 1, stride, bias: false, initWeight: kaimingA1 }));
  }

  forward(x: Tensor4D): Tensor4D {
    const y = this.conv3.forward(tf.relu(this.conv2.forward(tf.relu(this.conv1.forward(x)))));
    return tf.relu(tf.add<Tensor4D>(y, this.shortcut === undefined ? x : this.shortcut.forward(x)));
  }
}

/** Output channels C2..C5 for base width `w` (64 in the paper: 256, 512, 1024, 2048). */
export function encoderChannels(width: number): number[] {
  return [4, 8, 16, 32].map((m) => m * width);
}

export class LabelEncodingFunction extends Module {
  private readonly stem: Conv2d;
  private readonly stages: ModuleList<ModuleList<Bottleneck>>;

  constructor(numClasses: number, width: number) {
    super();
    this.stem = this.child('stem', new Conv2d(numClasses, 2 * width, { kernelSize: 7, stride: 2, padding: 3 }));
    const [c2, c3, c4, c5] = encoderChannels(width);
    const w = width;
    this.stages = this.child('stages', new ModuleList([
      new ModuleList([new Bottleneck(2 * w, w, c2, 2)]),
      new ModuleList([new Bottleneck(c2, 2 * w, c3, 2), new Bottleneck(c3, 2 * w, c3, 1)]),
      new ModuleList([new Bottleneck(c3, 4 * w, c4, 2), new Bottleneck(c4, 4 * w, c4, 1)]),
      new ModuleList([new Bottleneck(c4, 8 * w, c5, 2)]),
    ]));
  }

  /** C2..C5 (strides 4, 8, 16, 32) of a label map `[B, H, W, classes]`; no activation after the stem. */
  forward(labelMap: Tensor4D): Tensor4D[] {
    let x = this.stem.forward(labelMap);
    const outs: Tensor4D[] = [];
    for (const stage of this.stages) {
      for (const block of stage) x = block.forward(x);
      outs.push(x);
    }
    return outs;
  }
}

/** h with its FPN: label map → P-levels shaped like the detector's. */
export class LabelEncoder extends Module {
  readonly body: LabelEncodingFunction;
  readonly fpn: Neck;

  constructor(body: LabelEncodingFunction, fpn: Neck) {
    super();
    this.body = this.child('body', body);
    this.fpn = this.child('fpn', fpn);
  }

  forward(labelMap: Tensor4D): Tensor4D[] {
    return this.fpn.forward(this.body.forward(labelMap));
  }
}
