/**
 * PixelContrast (Dahou Djilali et al.): pixel-level contrastive supervision
 * of the transformer encoder's latent space. The batch's main view x_e runs
 * through the detector; its second view x_m (the `TwoViews` transform) runs
 * through the momentum encoder f_m (EMA, no gradient), giving Ψ. Per level:
 * - L_NCE (Eq. 4) between Γ, the encoder's input, and Ψ;
 * - L_Cos (Eq. 5) between γ = the encoder (neck) output at that level and Ψ;
 * returned as `loss_pixel_nce` = w·α·L_NCE and `loss_pixel_cos` = w·β·L_Cos
 * (averaged over the levels), so the total is L_sup + w·(α·L_NCE + β·L_Cos)
 * with w = `lossWeight` (1: the paper's Eq. 6).
 *
 * The projection head is the neck's own input projection. The paper's f_e is
 * the backbone followed by the projection head, Γ = f_e(x_e), and "Ω maps Γ
 * to γ" (§2.2, Fig. 1): the head feeds the transformer encoder, and the
 * method makes "no modification to the base model". So Γ is what the neck
 * encodes (the TransformerEncoder's 1×1 `input_proj`, an FPN's lateral conv),
 * trained by L_sup and, through Ω, by L_Cos whatever α is; f_m is the EMA of
 * the backbone and that projection. A head of the supervisor's own would get
 * a gradient from L_NCE only: none at α = 0, the paper's setting, where it
 * would stay at its random init and make Ψ a fixed random projection. The
 * paper's head is two 1×1 convs with BN and ReLU: the TransformerEncoder's
 * `projection: mlp` (its twin's BN normalises x_m with x_m's own batch
 * statistics, as MoCo's key encoder); `projection: linear` is DETR's 1×1.
 *
 * `loss_weight` multiplies both terms, so the rows keep the paper's (α, β)
 * while the pair is scaled to a host whose supervised loss has another size
 * (Deformable DETR's is about ten times a RetinaHead's).
 *
 * The EMA step runs once at the start of every iteration but the first, which
 * is the same as running it after every optimizer step (and stays right when
 * a run resumes mid-way).
 */
import { ComponentError } from '../../config/errors.js';
import { tf, type Scalar, type Tensor3D, type Tensor4D } from '../../engine/tf.js';
import type { Batch } from '../../data/types.js';
import type { LossTerms } from '../../detection/types.js';
import { isProjectingNeck, type Backbone, type InputProjection } from '../../nn/backbone.js';
import { stopGradient } from '../../nn/grad.js';
import { Module } from '../../nn/module.js';
import { ModuleList } from '../../nn/module_list.js';
import type { PhaseSpec } from '../../train/phases.js';
import type { DeclaredOptimizer } from '../../train/types.js';
import type { FeatureSupervisor, FeatureSupervisorHost, FeatureTrainingContext } from '../supervised_detr.js';
import type { Supervisor } from '../supervisor.js';
import { cosineLoss, nceLoss } from './losses.js';
import { pairMask, type ThresholdRule } from './mask.js';
import { MomentumPair, twinOf } from './momentum.js';

export interface PixelContrastLevel {
  /** Index into the neck outputs (γ); negative counts from the end. Γ and Ψ come from its input projection. */
  neck: number;
  /** This level's threshold; the supervisor's when absent. */
  threshold?: ThresholdRule;
}

export interface PixelContrastOptions {
  alpha: number;
  beta: number;
  /** Multiplies α and β (1 when absent). */
  lossWeight?: number;
  tau: number;
  momentum: number;
  threshold: ThresholdRule;
  levels: PixelContrastLevel[];
}

type Projection = InputProjection['module'];

/** f_e or f_m: a backbone and one input projection per supervised level. */
class Encoder extends Module {
  constructor(readonly backbone: Backbone, readonly projections: ModuleList<Projection>) {
    super();
    this.child('backbone', backbone);
    this.child('projections', projections);
  }
}

/** The supervisor's modules: only the momentum encoder (f_e is the detector's own backbone and neck). */
class PixelContrastModule extends Module {
  constructor(readonly momentum: Encoder) {
    super();
    this.child('momentum', momentum);
  }
}

function at<T>(xs: readonly T[], i: number, what: string): T {
  const v = xs[i < 0 ? xs.length + i : i];
  if (v === undefined) throw new Error(`${what}: index ${i} is outside the ${xs.length} available levels`);
  return v;
}

function flatten(x: Tensor4D): Tensor3D {
  const [n, h, w, c] = x.shape;
  return tf.reshape(x, [n, h * w, c]) as Tensor3D;
}

/**
 * Reads only the backbone, the neck and their features, so it attaches to
 * one-stage detectors (the supervisor contract) and to DETR (feature-only).
 */
export class PixelContrastSupervisor implements Supervisor, FeatureSupervisor {
  readonly label = 'pixel_contrast';
  readonly module: PixelContrastModule;
  private readonly projections: InputProjection[];
  private readonly ema: MomentumPair;
  private lastIter: number | undefined;

  constructor(readonly options: PixelContrastOptions, private readonly host: FeatureSupervisorHost) {
    const { where } = host;
    if (options.levels.length === 0) throw new ComponentError('at least one level is needed', `${where}.levels`);
    const neck = host.neck;
    if (neck === undefined) throw new ComponentError('PixelContrast needs a neck (the transformer encoder) to supervise', where);
    if (!isProjectingNeck(neck)) throw new ComponentError(`PixelContrast reads Γ from the neck's input projection, which ${neck.constructor.name} does not expose (TransformerEncoder and FPN do)`, where);
    this.projections = options.levels.map((l, k) => {
      const level = l.neck < 0 ? neck.outChannels.length + l.neck : l.neck;
      const p = neck.inputProjection(level);
      if (p === undefined) throw new ComponentError(`neck output ${l.neck} has no input projection of its own (of ${neck.outChannels.length} outputs; extra levels have none)`, `${where}.levels[${k}].neck`);
      at(host.backbone.outChannels, p.backboneLevel, `${where}.levels[${k}]: the backbone output that neck output ${l.neck} projects`);
      return p;
    });
    const twins = this.projections.map((p) => {
      const twin = p.create();
      twin.loadStateDict(p.module.stateDict());
      return twin;
    });
    this.module = new PixelContrastModule(new Encoder(twinOf(host.backbone, `${where} (momentum backbone)`), new ModuleList(twins)));
    // The online side is not registered under the supervisor: it is the detector's backbone and neck.
    const online = new Encoder(host.backbone, new ModuleList(this.projections.map((p) => p.module)));
    this.ema = new MomentumPair(online, this.module.momentum, options.momentum);
  }

  losses(ctx: FeatureTrainingContext): LossTerms {
    const w = this.options.lossWeight ?? 1;
    const alpha = w * this.options.alpha;
    const beta = w * this.options.beta;
    const second = ctx.batch.secondView;
    if (second === undefined) throw new ComponentError('PixelContrast needs a second view of each image; add the TwoViews transform to the training pipeline', this.host.where);
    if (ctx.info.iter > 0 && ctx.info.iter !== this.lastIter) this.ema.update();
    this.lastIter = ctx.info.iter;
    const momentumFeats = this.module.momentum.backbone.forward(second.images);
    const nce: Scalar[] = [];
    const cos: Scalar[] = [];
    this.options.levels.forEach((level, k) => {
      const where = `${this.host.where}.levels[${k}]`;
      const projection = this.projections[k];
      const psi4 = this.module.momentum.projections.at(k).forward(momentumFeats[projection.backboneLevel]);
      const psi = stopGradient(flatten(psi4));
      const gammaMap = at(ctx.features.neck, level.neck, `${where}.neck`);
      const { positive, negative } = this.masks(ctx.batch, second, gammaMap, psi4, level.threshold ?? this.options.threshold);
      if (alpha > 0) nce.push(nceLoss(flatten(projection.module.forward(ctx.features.backbone[projection.backboneLevel])), psi, positive, negative, this.options.tau));
      if (beta > 0) cos.push(cosineLoss(flatten(gammaMap), psi, positive));
    });
    const terms: LossTerms = {};
    const mean = (xs: Scalar[]): Scalar => tf.div(tf.addN(xs), xs.length) as Scalar;
    if (nce.length > 0) terms.loss_pixel_nce = tf.mul(mean(nce), alpha) as Scalar;
    if (cos.length > 0) terms.loss_pixel_cos = tf.mul(mean(cos), beta) as Scalar;
    return terms;
  }

  private masks(batch: Batch, second: NonNullable<Batch['secondView']>, online: Tensor4D, momentum: Tensor4D, rule: ThresholdRule): { positive: Tensor3D; negative: Tensor3D } {
    const [n, he, we] = online.shape;
    const [, hm, wm] = momentum.shape;
    const size = he * we * hm * wm;
    const pos = new Float32Array(n * size);
    const neg = new Float32Array(n * size);
    const inE: [number, number] = [batch.images.shape[1], batch.images.shape[2]];
    const inM: [number, number] = [second.images.shape[1], second.images.shape[2]];
    for (let b = 0; b < n; b++) {
      const m = pairMask({ meta: batch.metas[b], h: he, w: we, inputShape: inE }, { meta: second.metas[b], h: hm, w: wm, inputShape: inM }, rule);
      pos.set(m.positive, b * size);
      neg.set(m.negative, b * size);
    }
    return { positive: tf.tensor3d(pos, [n, he * we, hm * wm]), negative: tf.tensor3d(neg, [n, he * we, hm * wm]) };
  }

  trainingPhases(): PhaseSpec[] {
    return [];
  }

  trainingOptimizers(): DeclaredOptimizer[] {
    return [];
  }
}
