/**
 * LabelEnc (Hao et al., ECCV 2020), Step 1 and Step 2 as one supervisor with
 * `step:`; defaults are the official code's (spec §1): λ 1, distance-loss
 * warm-up 30k of Step 1's 120k iterations, auxiliary loss off after 80k of
 * Step 2's 90k, h of base width 64 with an FPN like RetinaNet's as the
 * official (maskrcnn-benchmark) code builds it: P7 = conv(relu(P6)) and
 * kaiming_uniform(a=1) weights (`init: c2_xavier`), where mmdet's RetinaNet
 * FPN has no ReLU before P7 and xavier_uniform weights.
 */
import { ComponentError } from '../../src/config/errors.js';
import type { Neck } from '../../src/nn/backbone.js';
import { componentOption, defineComponent, type ComponentConfig } from '../../src/registry/component.js';
import { LabelEncoder, LabelEncodingFunction } from '../../src/supervision/labelenc/encoder.js';
import { LabelEncSupervisor } from '../../src/supervision/labelenc/labelenc.js';
import type { SupervisorFactory } from '../../src/supervision/supervisor.js';
import { ITER_POINT_SCHEMA, type IterPoint } from '../../src/train/iter_point.js';
import { Rng } from '../../src/train/rng.js';

interface Options {
  step: 1 | 2;
  lambda: number;
  width: number;
  neck: ComponentConfig;
  distance_warmup: IterPoint;
  reconstruction_only: boolean;
  checkpoint: string | null;
  checkpoint_prefix: string;
  auxiliary_stop: IterPoint;
  supervise: boolean;
  initialise: boolean;
}

export const LabelEnc = defineComponent<Options, SupervisorFactory>({
  kind: 'supervisor',
  name: 'LabelEnc',
  description: 'Label encoding as auxiliary intermediate supervision: Step 1 trains h on label maps, Step 2 distils h into the FPN',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      step: { enum: [1, 2], description: '1: train h, its FPN and the shared head; 2: distil the frozen h into a fresh detector', default: 1 },
      lambda: { type: 'number', minimum: 0, description: 'weight of the distance loss (paper: 1)', default: 1 },
      width: { type: 'integer', minimum: 1, description: "base width of h (64: stem 128, C2–C5 256–2048 as the paper's Table 8)", default: 64 },
      neck: componentOption('neck', "h's own FPN, built like the detector's (its in_channels are h's C2–C5); the default is the official code's RetinaNet FPN", {
        type: 'FPN', in_channels: [256, 512, 1024, 2048], out_channels: 256, start_level: 1, add_extra_convs: 'on_input', num_outs: 5, relu_before_extra_convs: true, init: 'c2_xavier',
      }),
      distance_warmup: { ...ITER_POINT_SCHEMA, description: 'Step 1: loss_dis weighted 0 and adapter gradients dropped before this point (30k of 120k)', default: '25%' },
      reconstruction_only: { type: 'boolean', description: 'Step 1 ablation (Table 2): only the ae_* reconstruction losses train', default: false },
      checkpoint: { type: ['string', 'null'], description: 'Step 2: the Step-1 checkpoint directory (h, its FPN and the head are read from it)', default: null },
      checkpoint_prefix: { type: 'string', description: "Step 2: where the LabelEnc supervisor's modules sit in the Step-1 model", default: 'supervisors.0' },
      auxiliary_stop: { ...ITER_POINT_SCHEMA, description: 'Step 2: loss_dis weighted 0 from this point (80k of 90k)', default: '88.8889%' },
      supervise: { type: 'boolean', description: 'Step 2 ablation (Table 5): the distance loss on', default: true },
      initialise: { type: 'boolean', description: "Step 2 ablation (Table 5): the head and FPN initialised from Step 1's head and h's FPN", default: true },
    },
  },
  build: (o, ctx) => {
    if (o.step === 2 && o.checkpoint === null) throw new ComponentError('Step 2 needs the Step-1 checkpoint directory', `${ctx.path}.checkpoint`);
    const rng = (ctx.extras.rng as Rng | undefined) ?? new Rng(0);
    return {
      attach: (host) => {
        const encoder = new LabelEncoder(new LabelEncodingFunction(host.head.numClasses, o.width), ctx.build<Neck>('neck', o.neck, `${ctx.path}.neck`));
        const options = o.step === 1
          ? { step: 1 as const, lambda: o.lambda, distanceWarmup: o.distance_warmup, reconstructionOnly: o.reconstruction_only, uniform: () => rng.uniform() }
          : { step: 2 as const, lambda: o.lambda, auxiliaryStop: o.auxiliary_stop, checkpoint: o.checkpoint!, checkpointPrefix: o.checkpoint_prefix, supervise: o.supervise, initialise: o.initialise };
        return new LabelEncSupervisor(host, encoder, options);
      },
    };
  },
});
