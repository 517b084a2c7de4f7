/**
 * LabelEnc (Hao et al., ECCV 2020) as a supervisor, both steps (spec §1):
 *
 * - Step 1: the label map through h (and its FPN) into the detector's own
 *   head gives the reconstruction losses `ae_*`; the distance loss
 *   `loss_dis` pulls A(P-levels) towards GN(1)(h(y)) (target detached). A
 *   warm-up phase weights `loss_dis` 0 and drops the adapter's gradients.
 *   The run's checkpoint holds h, its FPN and the head for Step 2.
 * - Step 2: h frozen and loaded from Step 1, the detector's head and FPN
 *   initialised from Step 1's head and h's FPN, a fresh adapter, and
 *   `loss_dis` weighted 0 for the last part of the run.
 */
import { ComponentError } from '../../config/errors.js';
import { tf, type Scalar, type Tensor, type Tensor4D } from '../../engine/tf.js';
import type { Batch } from '../../data/types.js';
import type { GroundTruth } from '../../detection/heads/dense_head.js';
import type { DetectionResult, LossTerms } from '../../detection/types.js';
import { loadCheckpoint } from '../../train/checkpoint.js';
import type { IterPoint } from '../../train/iter_point.js';
import type { PhaseSpec } from '../../train/phases.js';
import type { DeclaredOptimizer } from '../../train/types.js';
import { Module } from '../../nn/module.js';
import { FeatureAdapter } from '../adapter.js';
import { groupNorm1, normalizedMse } from '../norm_losses.js';
import type { Supervisor, SupervisorHost, TrainingContext } from '../supervisor.js';
import { labelMap } from './label_map.js';
import { LabelEncoder } from './encoder.js';

export interface LabelEncStep1Options {
  step: 1;
  lambda: number;
  /** `loss_dis` is weighted 0 (and the adapter's gradients dropped) before this point. */
  distanceWarmup: IterPoint;
  /** Paper Table 2: only the reconstruction losses train (detection and distance terms weighted 0). */
  reconstructionOnly: boolean;
  /** Draws u ~ U(0, 1) for the box-scaling augmentation of the label map. */
  uniform: () => number;
}

export interface LabelEncStep2Options {
  step: 2;
  lambda: number;
  /** `loss_dis` is weighted 0 from this point to the end. */
  auxiliaryStop: IterPoint;
  /** A Step-1 checkpoint directory and the prefix of its LabelEnc supervisor (`supervisors.0`). */
  checkpoint: string;
  checkpointPrefix: string;
  /** Paper Table 5: the distance loss on/off, and Step-1 initialisation of head and FPN on/off. */
  supervise: boolean;
  initialise: boolean;
}

export type LabelEncOptions = LabelEncStep1Options | LabelEncStep2Options;

/** `loss_dis` (Eq. 10, spec §1.4): λ·mean((GN1(A(P)) − GN1(sg(h(y))))²) over every element of every level. */
export function distanceLoss(adapter: FeatureAdapter, neck: readonly Tensor4D[], encoded: readonly Tensor4D[], lambda: number): Scalar {
  return tf.mul(normalizedMse(neck.map((p) => adapter.forward(p)), encoded, groupNorm1), lambda);
}

class LabelEncModules extends Module {
  readonly encoder: LabelEncoder;
  readonly adapter?: FeatureAdapter;

  constructor(encoder: LabelEncoder, adapter: FeatureAdapter | undefined) {
    super();
    this.encoder = this.child('encoder', encoder);
    if (adapter !== undefined) this.adapter = this.child('adapter', adapter);
  }
}

export class LabelEncSupervisor implements Supervisor {
  readonly label = 'labelenc';
  readonly module: LabelEncModules;
  /** Step 1's auxiliary detector (h and its FPN into the shared head) is the teacher; Step 2's head is not h's any more. */
  readonly teacherPredict?: (batch: Batch, gt: GroundTruth) => DetectionResult[];

  constructor(private readonly host: SupervisorHost, encoder: LabelEncoder, private readonly o: LabelEncOptions) {
    const channels = host.head.options.tower.inChannels;
    const supervise = o.step === 1 || o.supervise;
    this.module = new LabelEncModules(encoder, supervise ? new FeatureAdapter(channels) : undefined);
    if (o.step === 2) this.loadStep1(o);
    else this.teacherPredict = (batch, gt) => this.predictFromLabels(batch, gt);
  }

  /** The label map without Step 1's box-scaling augmentation, through h and the head. */
  private predictFromLabels(batch: Batch, gt: GroundTruth): DetectionResult[] {
    const [b, h, w] = batch.images.shape;
    const c = this.host.head.numClasses;
    const encoded = this.module.encoder.forward(tf.tensor4d(labelMap(gt, c, h, w, undefined), [b, h, w, c]));
    return this.host.head.predict(this.host.head.forward(encoded), batch.metas);
  }

  private loadStep1(o: LabelEncStep2Options): void {
    const ckpt = loadCheckpoint(o.checkpoint);
    try {
      const under = (prefix: string): Map<string, Tensor> => {
        const out = new Map<string, Tensor>();
        for (const [k, t] of ckpt.tensors) if (k.startsWith(prefix)) out.set(k.slice(prefix.length), t);
        if (out.size === 0) throw new ComponentError(`${o.checkpoint} has no tensors under '${prefix}'`, `${this.host.where}.checkpoint`);
        return out;
      };
      const encoderKey = `model/${o.checkpointPrefix}.encoder.`;
      this.module.encoder.loadStateDict(under(encoderKey));
      if (o.initialise) {
        this.host.head.loadStateDict(under('model/head.'));
        if (this.host.neck === undefined) throw new ComponentError(`Step 2 initialises the detector's FPN from h's, but the detector has no neck`, this.host.where);
        try {
          this.host.neck.loadStateDict(under(`${encoderKey}fpn.`));
        } catch (err) {
          throw new ComponentError(`the detector's FPN cannot start from h's FPN (h's C-level channels must equal the backbone's; set width so): ${(err as Error).message}`, this.host.where);
        }
      }
    } finally {
      for (const t of ckpt.tensors.values()) t.dispose();
    }
    this.module.encoder.setTrainable(false);
  }

  losses(ctx: TrainingContext): LossTerms {
    const [b, h, w] = ctx.batch.images.shape;
    const c = ctx.head.numClasses;
    const uniform = this.o.step === 1 ? this.o.uniform : undefined;
    const map = tf.tensor4d(labelMap(ctx.gt, c, h, w, uniform), [b, h, w, c]);
    const encoded = this.module.encoder.forward(map);
    const out: LossTerms = {};
    if (this.o.step === 1) {
      for (const [k, v] of Object.entries(ctx.head.loss(ctx.head.forward(encoded), ctx.gt))) out[`ae_${k}`] = v;
    }
    const adapter = this.module.adapter;
    if (adapter !== undefined) out.loss_dis = distanceLoss(adapter, ctx.features.neck, encoded, this.o.lambda);
    return out;
  }

  trainingPhases(): PhaseSpec[] {
    if (this.o.step === 2) {
      return this.module.adapter === undefined ? [] : [{ kind: 'loss_weight', name: 'LabelEnc: auxiliary loss off', terms: ['loss_dis'], weight: 0, start: this.o.auxiliaryStop }];
    }
    if (this.o.reconstructionOnly) return [{ kind: 'loss_weight', name: 'LabelEnc: reconstruction only', terms: ['loss_*'], weight: 0 }];
    if (this.o.distanceWarmup === 0) return [];
    return [
      { kind: 'loss_weight', name: 'LabelEnc: distance-loss warm-up', terms: ['loss_dis'], weight: 0, stop: this.o.distanceWarmup },
      { kind: 'drop_grads', name: 'LabelEnc: adapter idle in warm-up', params: [`${this.host.prefix}.adapter`], stop: this.o.distanceWarmup },
    ];
  }

  trainingOptimizers(): DeclaredOptimizer[] {
    return [];
  }
}
