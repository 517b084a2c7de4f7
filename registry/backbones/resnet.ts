/**
 * ResNet backbone (He et al. 2016) in torchvision's v1.5 form: the stride of a
 * Bottleneck sits on its 3x3 conv. Member names equal torchvision's
 * (`conv1`, `bn1`, `layer1.0.conv1`, `layer1.0.downsample.0`, ...), so a
 * torchvision checkpoint loads as a plain name map (`fc.*` and
 * `num_batches_tracked` are skipped). Returns C2..C5 selected by `out_indices`.
 */
import { resolve } from 'node:path';
import { ComponentError } from '../../src/config/errors.js';
import { tf, type Tensor, type Tensor4D } from '../../src/engine/tf.js';
import type { Backbone } from '../../src/nn/backbone.js';
import { BatchNorm2d } from '../../src/nn/batch_norm.js';
import { loadTorchCheckpoint } from '../../src/nn/checkpoint.js';
import { Conv2d } from '../../src/nn/conv2d.js';
import { GroupNorm } from '../../src/nn/group_norm.js';
import { kaimingNormal } from '../../src/nn/init.js';
import { Module } from '../../src/nn/module.js';
import { ModuleList } from '../../src/nn/module_list.js';
import { buildNorm, normOptionSchema, type NormConfig, type NormLayer } from '../../src/nn/norm.js';
import { defineComponent } from '../../src/registry/component.js';

export const RESNET_DEPTHS = [18, 34, 50, 101] as const;
export type ResNetDepth = (typeof RESNET_DEPTHS)[number];

const ARCH: Record<ResNetDepth, { block: 'basic' | 'bottleneck'; layers: [number, number, number, number] }> = {
  18: { block: 'basic', layers: [2, 2, 2, 2] },
  34: { block: 'basic', layers: [3, 4, 6, 3] },
  50: { block: 'bottleneck', layers: [3, 4, 6, 3] },
  101: { block: 'bottleneck', layers: [3, 4, 23, 3] },
};

/** How blocks make their layers: the norm and the conv weight init. */
interface LayerSpec {
  norm: NormConfig;
  initWeight: (shape: number[], fans: { fanIn: number; fanOut: number }) => Tensor;
}

/** torchvision's init: kaiming_normal(fan_out, relu) convs; norms start at weight 1, bias 0. */
function kaimingFanOut(shape: number[], fans: { fanOut: number }): Tensor {
  return kaimingNormal(shape, { fan: fans.fanOut, nonlinearity: 'relu' });
}

function conv(spec: LayerSpec, inC: number, outC: number, k: number, stride = 1): Conv2d {
  return new Conv2d(inC, outC, { kernelSize: k, stride, padding: (k - 1) / 2, bias: false, initWeight: spec.initWeight });
}

/** 1x1 conv + norm projecting the identity when the shape changes (`downsample.0/1`). */
class Downsample extends Module {
  constructor(spec: LayerSpec, inC: number, outC: number, stride: number) {
    super();
    this.child('0', conv(spec, inC, outC, 1, stride));
    this.child('1', buildNorm(spec.norm, outC));
  }

  forward(x: Tensor4D): Tensor4D {
    const [[, c], [, n]] = this.children() as [[string, Conv2d], [string, NormLayer]];
    return n.forward(c.forward(x));
  }
}

class BasicBlock extends Module {
  static readonly expansion = 1;
  private readonly conv1: Conv2d;
  private readonly bn1: NormLayer;
  private readonly conv2: Conv2d;
  private readonly bn2: NormLayer;
  private readonly downsample?: Downsample;

  constructor(spec: LayerSpec, inC: number, planes: number, stride: number) {
    super();
    this.conv1 = this.child('conv1', conv(spec, inC, planes, 3, stride));
    this.bn1 = this.child('bn1', buildNorm(spec.norm, planes));
    this.conv2 = this.child('conv2', conv(spec, planes, planes, 3));
    this.bn2 = this.child('bn2', buildNorm(spec.norm, planes));
    if (stride !== 1 || inC !== planes) this.downsample = this.child('downsample', new Downsample(spec, inC, planes, stride));
  }

  forward(x: Tensor4D): Tensor4D {
    const y = this.bn2.forward(this.conv2.forward(tf.relu(this.bn1.forward(this.conv1.forward(x)))));
    return tf.relu(tf.add<Tensor4D>(y, this.downsample?.forward(x) ?? x));
  }
}

class Bottleneck extends Module {
  static readonly expansion = 4;
  private readonly conv1: Conv2d;
  private readonly bn1: NormLayer;
  private readonly conv2: Conv2d;
  private readonly bn2: NormLayer;
  private readonly conv3: Conv2d;
  private readonly bn3: NormLayer;
  private readonly downsample?: Downsample;

  constructor(spec: LayerSpec, inC: number, planes: number, stride: number) {
    super();
    const outC = planes * Bottleneck.expansion;
    this.conv1 = this.child('conv1', conv(spec, inC, planes, 1));
    this.bn1 = this.child('bn1', buildNorm(spec.norm, planes));
    this.conv2 = this.child('conv2', conv(spec, planes, planes, 3, stride));
    this.bn2 = this.child('bn2', buildNorm(spec.norm, planes));
    this.conv3 = this.child('conv3', conv(spec, planes, outC, 1));
    this.bn3 = this.child('bn3', buildNorm(spec.norm, outC));
    if (stride !== 1 || inC !== outC) this.downsample = this.child('downsample', new Downsample(spec, inC, outC, stride));
  }

  forward(x: Tensor4D): Tensor4D {
    let y = tf.relu(this.bn1.forward(this.conv1.forward(x)));
    y = tf.relu(this.bn2.forward(this.conv2.forward(y)));
    y = this.bn3.forward(this.conv3.forward(y));
    return tf.relu(tf.add<Tensor4D>(y, this.downsample?.forward(x) ?? x));
  }
}

type Block = BasicBlock | Bottleneck;

export interface ResNetOptions {
  depth: ResNetDepth;
  in_channels: number;
  /** Indices into [C2, C3, C4, C5]. */
  out_indices: number[];
  /** -1: nothing frozen; 0: the stem; k >= 1: the stem and layer1..layerk. */
  frozen_stages: number;
  norm: NormConfig;
  /** Keep every BatchNorm on running statistics in training (affine still trainable). */
  norm_eval: boolean;
  /** Width of the stem and of layer1; each later stage doubles it (64 in torchvision). */
  base_channels: number;
  init: { checkpoint: string | null };
}

export class ResNet extends Module implements Backbone {
  readonly outChannels: number[];
  readonly strides: number[];
  private readonly conv1: Conv2d;
  private readonly bn1: NormLayer;
  private readonly layers: ModuleList<Block>[] = [];
  private readonly outIndices: number[];

  constructor(readonly options: ResNetOptions) {
    super();
    const { depth, out_indices: outIndices, frozen_stages: frozen, base_channels: base } = options;
    const arch = ARCH[depth];
    if (arch === undefined) throw new ComponentError(`ResNet depth must be one of ${RESNET_DEPTHS.join(', ')}, got ${depth}`);
    if (outIndices.length === 0 || outIndices.some((i, k) => !Number.isInteger(i) || i < 0 || i > 3 || (k > 0 && i <= outIndices[k - 1]))) {
      throw new ComponentError(`ResNet out_indices must be increasing indices in 0..3 (C2..C5), got [${outIndices.join(', ')}]`);
    }
    if (!Number.isInteger(frozen) || frozen < -1 || frozen > 4) throw new ComponentError(`ResNet frozen_stages must be in -1..4, got ${frozen}`);
    const norm: NormConfig = options.norm_eval && options.norm.type === 'BN' ? { ...options.norm, type: 'BN_eval' } : options.norm;
    // With a checkpoint every tensor is overwritten (strictly), so no random weights are drawn.
    const spec: LayerSpec = { norm, initWeight: options.init.checkpoint === null ? kaimingFanOut : (shape) => tf.zeros(shape) };
    this.conv1 = this.child('conv1', new Conv2d(options.in_channels, base, { kernelSize: 7, stride: 2, padding: 3, bias: false, initWeight: spec.initWeight }));
    this.bn1 = this.child('bn1', buildNorm(norm, base));
    const Block = arch.block === 'basic' ? BasicBlock : Bottleneck;
    let inC = base;
    const stageChannels: number[] = [];
    arch.layers.forEach((n, s) => {
      const planes = base * 2 ** s;
      const blocks = new ModuleList<Block>();
      for (let b = 0; b < n; b++) {
        blocks.push(new Block(spec, inC, planes, b === 0 && s > 0 ? 2 : 1));
        inC = planes * Block.expansion;
      }
      this.layers.push(this.child(`layer${s + 1}`, blocks));
      stageChannels.push(inC);
    });
    this.outIndices = outIndices;
    this.outChannels = outIndices.map((i) => stageChannels[i]);
    this.strides = outIndices.map((i) => 4 * 2 ** i);
    if (options.init.checkpoint !== null) {
      loadTorchCheckpoint(this, resolve(options.init.checkpoint), { ignore: (k) => k.startsWith('fc.') || k.endsWith('.num_batches_tracked') });
    }
    this.freezeStages(frozen);
  }

  /** Stage 0 is the stem (conv1, bn1); stage k is layer k. Frozen stages train nothing and keep BN on running stats. */
  private freezeStages(frozen: number): void {
    if (frozen < 0) return;
    const stages: Module[] = [this.conv1, this.bn1, ...this.layers.slice(0, frozen)];
    for (const stage of stages) {
      for (const [, m] of stage.namedModules()) {
        if (m instanceof BatchNorm2d) m.setMode('frozen');
        else if (m instanceof GroupNorm || m instanceof Conv2d) m.setTrainable(false);
      }
    }
  }

  forward(images: Tensor4D): Tensor4D[] {
    let x = tf.relu(this.bn1.forward(this.conv1.forward(images)));
    x = tf.maxPool(x, 3, 2, 1);
    const outs: Tensor4D[] = [];
    this.layers.forEach((blocks, s) => {
      for (const block of blocks) x = block.forward(x);
      if (this.outIndices.includes(s)) outs.push(x);
    });
    return outs;
  }
}

export const resnet = defineComponent<ResNetOptions, ResNet>({
  kind: 'backbone',
  name: 'ResNet',
  description: 'ResNet-18/34/50/101 (torchvision v1.5 layout and names) returning C2..C5',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      depth: { enum: RESNET_DEPTHS, description: 'number of layers: 18, 34 (BasicBlock), 50, 101 (Bottleneck)', default: 50 },
      in_channels: { type: 'integer', minimum: 1, description: 'channels of the input images', default: 3 },
      out_indices: {
        type: 'array',
        items: { type: 'integer', minimum: 0, maximum: 3 },
        minItems: 1,
        maxItems: 4,
        description: 'stages to return, as indices into [C2, C3, C4, C5]',
        default: [0, 1, 2, 3],
      },
      frozen_stages: { type: 'integer', minimum: -1, maximum: 4, description: 'freeze the stem (0) and layer1..layerN (N); -1 freezes nothing', default: -1 },
      norm: normOptionSchema('normalisation layers: BN, BN_eval, FrozenBN or GN with num_groups', 'BN'),
      norm_eval: { type: 'boolean', description: 'keep BN layers on running statistics while training (mmdet norm_eval)', default: true },
      base_channels: {
        type: 'integer',
        minimum: 1,
        description: 'width of the stem and layer1, doubled at each later stage; below 64 a narrower ResNet for fast CPU runs (torchvision checkpoints need 64)',
        default: 64,
      },
      init: {
        type: 'object',
        additionalProperties: false,
        description: 'weights: kaiming init, or a torchvision-layout .safetensors checkpoint',
        default: { checkpoint: null },
        properties: { checkpoint: { type: ['string', 'null'], description: 'path of a .safetensors file with torchvision names (fc.* ignored)', default: null } },
      },
    },
  },
  build: (options) => new ResNet(options),
});
