/**
 * Feature Pyramid Network (Lin et al. 2017) as mmdet's `FPN`: 1x1 lateral
 * convs, nearest-neighbour top-down pathway to the finer map's size, 3x3
 * output convs, and `num_outs - used levels` extra levels: max-pool
 * subsampling when `add_extra_convs` is false, else stride-2 3x3 convs fed
 * from the last input (`on_input`, RetinaNet), lateral (`on_lateral`) or
 * output (`on_output`, FCOS, with `relu_before_extra_convs`). The ReLU, as in
 * mmdet, precedes only the second and later extra convs: with P6 and P7 that
 * is P7 = conv(relu(P6)), as maskrcnn-benchmark's and Detectron2's
 * LastLevelP6P7 always do. Names follow mmdet (`lateral_convs.0.conv.weight`,
 * `fpn_convs.3.conv.weight` for P6).
 */
import { ComponentError } from '../../src/config/errors.js';
import { tf, type Tensor4D } from '../../src/engine/tf.js';
import type { InputProjection, ProjectingNeck } from '../../src/nn/backbone.js';
import { ConvModule } from '../../src/nn/conv_module.js';
import { fill, kaimingUniform, xavierUniform } from '../../src/nn/init.js';
import { Module } from '../../src/nn/module.js';
import { ModuleList } from '../../src/nn/module_list.js';
import { defineComponent } from '../../src/registry/component.js';

export type ExtraConvs = false | 'on_input' | 'on_lateral' | 'on_output';
export const FPN_INITS = ['mmdet', 'c2_xavier'] as const;
export type FPNInit = (typeof FPN_INITS)[number];

export interface FPNOptions {
  in_channels: number[];
  out_channels: number;
  num_outs: number;
  start_level: number;
  add_extra_convs: ExtraConvs;
  relu_before_extra_convs: boolean;
  /** Conv weight init; 'mmdet' when absent. */
  init?: FPNInit;
}

export class FPN extends Module implements ProjectingNeck {
  readonly outChannels: number[];
  private readonly lateralConvs: ModuleList<ConvModule>;
  private readonly fpnConvs: ModuleList<ConvModule>;

  constructor(readonly options: FPNOptions) {
    super();
    const { in_channels: inC, out_channels: out, num_outs: numOuts, start_level: start, add_extra_convs: extra } = options;
    if (inC.length === 0) throw new ComponentError('FPN in_channels must list at least one level');
    if (!Number.isInteger(start) || start < 0 || start >= inC.length) throw new ComponentError(`FPN start_level ${start} is outside the ${inC.length} input levels`);
    const used = inC.length - start;
    if (numOuts < used) throw new ComponentError(`FPN num_outs (${numOuts}) must be at least the ${used} used input levels`);
    const plain = { activation: null, norm: null } as const;
    this.lateralConvs = this.child('lateral_convs', new ModuleList(inC.slice(start).map((c) => lateralConv(c, out))));
    this.fpnConvs = this.child('fpn_convs', new ModuleList(inC.slice(start).map(() => new ConvModule(out, out, { kernelSize: 3, padding: 1, ...plain }))));
    if (extra !== false) {
      for (let i = 0; i < numOuts - used; i++) {
        const c = i === 0 && extra === 'on_input' ? inC[inC.length - 1] : out;
        this.fpnConvs.push(new ConvModule(c, out, { kernelSize: 3, stride: 2, padding: 1, ...plain }));
      }
    }
    this.outChannels = Array.from({ length: numOuts }, () => out);
    // 'mmdet': its FPN's init_cfg, xavier_uniform, U(±√(6 / (fan_in + fan_out))). 'c2_xavier': Caffe2's
    // XavierFill as maskrcnn-benchmark (conv_with_kaiming_uniform, LastLevelP6P7) and Detectron2
    // (c2_xavier_fill) port it, kaiming_uniform_(a=1), U(±√(3 / fan_in)). Zero biases in both.
    const init = options.init ?? 'mmdet';
    for (const [, m] of this.namedModules()) {
      if (m instanceof ConvModule) {
        const { weight, fanIn, fanOut } = m.conv;
        fill(weight, init === 'c2_xavier' ? kaimingUniform(weight.shape, { fan: fanIn, a: 1 }) : xavierUniform(weight.shape, fanIn, fanOut));
        if (m.conv.bias !== undefined) fill(m.conv.bias, tf.zeros(m.conv.bias.shape));
      }
    }
  }

  /** Output `level` below the extra ones is computed from lateral conv `level` of backbone map `start_level + level`. */
  inputProjection(level: number): InputProjection | undefined {
    const { in_channels: inC, out_channels: out, start_level: start } = this.options;
    if (!Number.isInteger(level) || level < 0 || level >= this.lateralConvs.length) return undefined;
    return { module: this.lateralConvs.at(level), backboneLevel: start + level, create: () => lateralConv(inC[start + level], out) };
  }

  forward(features: Tensor4D[]): Tensor4D[] {
    const { in_channels: inC, start_level: start, num_outs: numOuts, add_extra_convs: extra } = this.options;
    if (features.length !== inC.length || features.some((f, i) => f.shape[3] !== inC[i])) {
      throw new ComponentError(`FPN expects ${inC.length} maps with channels [${inC.join(', ')}], got [${features.map((f) => f.shape[3]).join(', ')}]`);
    }
    const laterals = features.slice(start).map((f, i) => this.lateralConvs.at(i).forward(f));
    for (let i = laterals.length - 1; i > 0; i--) {
      const [, h, w] = laterals[i - 1].shape;
      laterals[i - 1] = tf.add<Tensor4D>(laterals[i - 1], tf.image.resizeNearestNeighbor(laterals[i], [h, w]));
    }
    const outs = laterals.map((l, i) => this.fpnConvs.at(i).forward(l));
    const used = laterals.length;
    if (extra === false) {
      // mmdet: F.max_pool2d(out, 1, stride=2), i.e. subsampling.
      while (outs.length < numOuts) outs.push(tf.maxPool(outs[outs.length - 1], 1, 2, 'valid'));
      return outs;
    }
    const source = extra === 'on_input' ? features[features.length - 1] : extra === 'on_lateral' ? laterals[used - 1] : outs[used - 1];
    if (numOuts > used) outs.push(this.fpnConvs.at(used).forward(source));
    for (let i = used + 1; i < numOuts; i++) {
      const prev = outs[outs.length - 1];
      outs.push(this.fpnConvs.at(i).forward(this.options.relu_before_extra_convs ? tf.relu(prev) : prev));
    }
    return outs;
  }
}

function lateralConv(inChannels: number, outChannels: number): ConvModule {
  return new ConvModule(inChannels, outChannels, { kernelSize: 1, activation: null, norm: null });
}

export const fpn = defineComponent<FPNOptions, FPN>({
  kind: 'neck',
  name: 'FPN',
  description: 'Feature Pyramid Network with optional P6/P7 extra convs (mmdet FPN)',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      in_channels: { type: 'array', items: { type: 'integer', minimum: 1 }, minItems: 1, description: 'channels of each input map, finest first', default: [256, 512, 1024, 2048] },
      out_channels: { type: 'integer', minimum: 1, description: 'channels of every output map', default: 256 },
      num_outs: { type: 'integer', minimum: 1, description: 'number of output maps (used inputs plus extra levels)', default: 5 },
      start_level: { type: 'integer', minimum: 0, description: 'index of the first input map used', default: 0 },
      add_extra_convs: {
        enum: [false, 'on_input', 'on_lateral', 'on_output'],
        description: 'source of the stride-2 convs making extra levels; false subsamples the last output',
        default: false,
      },
      relu_before_extra_convs: { type: 'boolean', description: 'apply ReLU before the second and later extra convs, so P7 = conv(relu(P6)) (FCOS; maskrcnn-benchmark and Detectron2 always)', default: false },
      init: {
        enum: [...FPN_INITS],
        description: "conv weights: 'mmdet' xavier_uniform; 'c2_xavier' kaiming_uniform(a=1), U(±√(3/fan_in)), as maskrcnn-benchmark and Detectron2 (LabelEnc's official code); zero biases",
        default: 'mmdet',
      },
    },
  },
  build: (options) => new FPN(options),
});
