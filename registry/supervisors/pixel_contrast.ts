/**
 * PixelContrast (Dahou Djilali et al.): pixel-level NCE and cosine losses
 * between the detector's view and a momentum encoder's second view, with the
 * paper's defaults (spec §4): α = 0, β = 1 (cosine only), τ = 0.3, EMA 0.99,
 * adaptive threshold with S = 9, the encoded level only. The projection
 * head is the neck's own input projection (see the supervisor's module): the
 * paper's 2-layer head with the TransformerEncoder's `projection: mlp`.
 * Needs the `TwoViews` transform in the training pipeline. Attaches to
 * one-stage detectors and to DETR.
 */
import { defineComponent, type JsonSchema } from '../../src/registry/component.js';
import type { ThresholdRule } from '../../src/supervision/pixel_contrast/mask.js';
import { PixelContrastSupervisor, type PixelContrastLevel } from '../../src/supervision/pixel_contrast/pixel_contrast.js';
import type { FeatureSupervisorFactory } from '../../src/supervision/supervised_detr.js';
import type { SupervisorFactory } from '../../src/supervision/supervisor.js';

interface ThresholdOption {
  type: 'adaptive' | 'fixed';
  s?: number;
  value?: number;
}

interface Options {
  alpha: number;
  beta: number;
  loss_weight: number;
  tau: number;
  momentum: number;
  threshold: ThresholdOption;
  levels: Array<{ neck: number; threshold?: ThresholdOption | null }>;
}

const THRESHOLD: JsonSchema & { description: string } = {
  type: 'object',
  additionalProperties: false,
  description: "positives: d(i, j) ≤ th; 'adaptive': th = mean pair distance / s (paper, S = 9); 'fixed': th = value (PixPro: 0.7)",
  default: { type: 'adaptive', s: 9 },
  properties: {
    type: { enum: ['adaptive', 'fixed'], description: 'threshold rule', default: 'adaptive' },
    s: { type: 'number', exclusiveMinimum: 0, description: 'adaptive: the divisor S of the mean distance', default: 9 },
    value: { type: 'number', minimum: 0, description: 'fixed: the threshold in cell diagonals', default: 0.7 },
  },
};

function rule(t: ThresholdOption): ThresholdRule {
  return t.type === 'fixed' ? { type: 'fixed', value: t.value ?? 0.7 } : { type: 'adaptive', s: t.s ?? 9 };
}

export const PixelContrast = defineComponent<Options, SupervisorFactory & FeatureSupervisorFactory>({
  kind: 'supervisor',
  name: 'PixelContrast',
  description: 'pixel-level contrastive (NCE) and cosine losses on the transformer encoder against a momentum encoder of a second view',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      alpha: { type: 'number', minimum: 0, description: 'weight α of L_NCE (0 skips it)', default: 0 },
      beta: { type: 'number', minimum: 0, description: 'weight β of L_Cos (0 skips it)', default: 1 },
      loss_weight: { type: 'number', exclusiveMinimum: 0, description: 'multiplies α and β: keeps the paper\'s (α, β) rows on a host whose supervised loss has another size', default: 1 },
      tau: { type: 'number', exclusiveMinimum: 0, description: 'NCE temperature τ', default: 0.3 },
      momentum: { type: 'number', minimum: 0, maximum: 1, description: 'EMA coefficient of the momentum encoder', default: 0.99 },
      threshold: THRESHOLD,
      levels: {
        type: 'array',
        minItems: 1,
        description: "supervised levels: neck output indices (γ), negative from the end; Γ and Ψ come from the neck's input projection of that output (TransformerEncoder: output 0; FPN: its non-extra outputs); two entries give the two-level variant",
        default: [{ neck: 0 }],
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['neck'],
          properties: {
            neck: { type: 'integer', description: 'index of the neck output', default: 0 },
            threshold: { ...THRESHOLD, type: ['object', 'null'], default: null, description: "this level's threshold (null: the supervisor's)" },
          },
        },
      },
    },
  },
  build: (o) => {
    const levels: PixelContrastLevel[] = o.levels.map((l) => ({ neck: l.neck, ...(l.threshold ? { threshold: rule(l.threshold) } : {}) }));
    const options = { alpha: o.alpha, beta: o.beta, lossWeight: o.loss_weight, tau: o.tau, momentum: o.momentum, threshold: rule(o.threshold), levels };
    return { attach: (host) => new PixelContrastSupervisor(options, host), attachToFeatures: (host) => new PixelContrastSupervisor(options, host) };
  },
});
