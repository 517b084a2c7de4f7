/**
 * One-stage detectors: `SingleStageDetector` and mmdet's names for it with
 * their reference defaults (`RetinaNet`, `FCOS`, `ATSS`, and `PAA` with the
 * PAA-style head). All build backbone → neck → head through the registry.
 */
import type { DenseHead } from '../../src/detection/heads/dense_head.js';
import { SingleStageDetector } from '../../src/detection/single_stage_detector.js';
import type { Backbone, Neck } from '../../src/nn/backbone.js';
import { componentOption, defineComponent, type ComponentConfig, type Component } from '../../src/registry/component.js';
import { SupervisedDetector } from '../../src/supervision/supervised_detector.js';
import type { SupervisorFactory } from '../../src/supervision/supervisor.js';

interface Options {
  backbone: ComponentConfig;
  neck: ComponentConfig | null;
  head: ComponentConfig;
  supervisors: ComponentConfig[];
}

const RESNET50: ComponentConfig = { type: 'ResNet', depth: 50, out_indices: [0, 1, 2, 3], frozen_stages: 1, norm: { type: 'BN' }, norm_eval: true };

function fpn(extra: 'on_input' | 'on_output', reluBeforeExtra: boolean): ComponentConfig {
  return { type: 'FPN', in_channels: [256, 512, 1024, 2048], out_channels: 256, start_level: 1, add_extra_convs: extra, num_outs: 5, relu_before_extra_convs: reluBeforeExtra };
}

function detector(name: string, description: string, neck: ComponentConfig, head: ComponentConfig): Component<Options, SingleStageDetector> {
  return defineComponent<Options, SingleStageDetector>({
    kind: 'detector',
    name,
    description,
    schema: {
      type: 'object',
      additionalProperties: false,
      properties: {
        backbone: componentOption('backbone', 'feature extractor returning C-levels', RESNET50),
        neck: { ...componentOption('neck', 'feature pyramid on the backbone outputs (null feeds the head directly)', neck), type: ['object', 'null'] },
        head: componentOption('head', 'dense head with its assigner, losses and test_cfg', head),
        supervisors: { type: 'array', items: componentOption('supervisor', 'training-only auxiliary supervision'), description: 'auxiliary supervisors (LabelEnc, LGD); training only, never deployed', default: [] },
      },
    },
    build: (o, ctx) => {
      const backbone = ctx.build<Backbone>('backbone', o.backbone, `${ctx.path}.backbone`);
      const builtNeck = o.neck === null ? undefined : ctx.build<Neck>('neck', o.neck, `${ctx.path}.neck`);
      const head = ctx.build<DenseHead>('head', o.head, `${ctx.path}.head`);
      const supervisors = o.supervisors.map((s, i) => ctx.build<SupervisorFactory>('supervisor', s, `${ctx.path}.supervisors.${i}`));
      if (supervisors.length === 0) return new SingleStageDetector(backbone, builtNeck, head, ctx.path);
      return new SupervisedDetector(backbone, builtNeck, head, supervisors, ctx.path);
    },
  });
}

export const SingleStage = detector('SingleStageDetector', 'Backbone → neck → dense head (defaults: RetinaNet R-50-FPN)', fpn('on_input', false), { type: 'RetinaHead' });
export const RetinaNet = detector('RetinaNet', 'RetinaNet (Lin et al. 2017): ResNet-FPN, P3–P7 with extra convs on C5, RetinaHead', fpn('on_input', false), { type: 'RetinaHead' });
export const FCOS = detector('FCOS', 'FCOS (Tian et al. 2019): ResNet-FPN, P6/P7 on P5 with ReLU, FCOSHead', fpn('on_output', true), { type: 'FCOSHead' });
export const ATSS = detector('ATSS', 'ATSS (Zhang et al. 2020): ResNet-FPN, P6/P7 on P5, ATSSHead', fpn('on_output', false), { type: 'ATSSHead' });
export const PAA = detector('PAA', 'PAA-style detector: ResNet-FPN, P6/P7 on P5, PAAStyleHead (ATSS assignment, IoU branch)', fpn('on_output', false), { type: 'PAAStyleHead' });
