/**
 * Parameter and FLOP counting by tracing one forward pass.
 *
 * Convention (fvcore's and mmcv's "GFLOPs"): one multiply-add = one FLOP.
 * Conv and linear layers count multiply-adds; attention counts its q/k/v
 * projections and the two batched products (QKᵀ and AV); normalisation layers
 * count one FLOP per output element. Elementwise ops (ReLU, residual adds),
 * pooling and upsampling are not counted, as in torchvision's published
 * figures (ResNet-50 at 224x224: 4.09 GFLOPs).
 */
import { tf } from '../engine/tf.js';
import { traceFlops, type FlopKind, type FlopRecord } from './flop_recorder.js';
import type { Module } from './module.js';

export interface ModuleCost {
  /** Dotted path in the model ('' for the model itself). */
  name: string;
  type: string;
  /** Scalars of the parameters in this subtree (frozen ones included, as torchvision counts). */
  params: number;
  /** Scalars of the trainable ones (what mmcv's get_model_complexity_info reports). */
  trainableParams: number;
  /** FLOPs of this subtree in the traced pass (a module applied several times counts every call). */
  flops: number;
  byKind: Record<FlopKind, number>;
}

export interface FlopReport {
  /** Every module of the tree, in tree order. */
  modules: ModuleCost[];
  totalParams: number;
  trainableParams: number;
  totalFlops: number;
  /** Leaf layer calls in execution order. */
  records: FlopRecord[];
}

export interface CountOptions {
  /**
   * Skip conv and norm arithmetic (see `tracingShapesOnly`), default true: the
   * counts are the same and a detector at 800x1333 fits in memory. False runs
   * the real forward.
   */
  shapesOnly?: boolean;
}

/**
 * Runs `forward` (inside a tidy, so its tensors are freed) with the layers of
 * `model` reporting their cost, and sums the costs per module subtree.
 */
export function countFlops(model: Module, forward: () => void, opts: CountOptions = {}): FlopReport {
  const records = traceFlops(() => tf.tidy(() => forward()), { shapesOnly: opts.shapesOnly ?? true });
  const named = model.namedModules();
  const nameOf = new Map(named.map(([n, m]) => [m, n]));
  const strangers = records.filter((r) => !nameOf.has(r.module));
  if (strangers.length > 0) {
    throw new Error(`countFlops: ${strangers.length} layer call(s) came from modules outside the model (${[...new Set(strangers.map((r) => r.module.constructor.name))].join(', ')})`);
  }
  const modules: ModuleCost[] = named.map(([name, m]) => ({
    name,
    type: m.constructor.name,
    params: m.numParameters(),
    trainableParams: m.trainableParameters().reduce((n, [, v]) => n + v.size, 0),
    flops: 0,
    byKind: { conv: 0, linear: 0, norm: 0, attention: 0 },
  }));
  const byName = new Map(modules.map((c) => [c.name, c]));
  for (const r of records) {
    const path = nameOf.get(r.module) ?? '';
    for (const ancestor of ancestors(path)) {
      const c = byName.get(ancestor);
      if (c === undefined) continue;
      c.flops += r.flops;
      c.byKind[r.kind] += r.flops;
    }
  }
  const root = byName.get('')!;
  return { modules, totalParams: root.params, trainableParams: root.trainableParams, totalFlops: root.flops, records };
}

/** '' and every dotted prefix of `path`, `path` included. */
function ancestors(path: string): string[] {
  if (path === '') return [''];
  const parts = path.split('.');
  return ['', ...parts.map((_, i) => parts.slice(0, i + 1).join('.'))];
}

/** A fixed-width table of the modules down to `depth` dots (0 = direct children). */
export function formatFlopTable(report: FlopReport, depth = 1): string {
  const rows = report.modules.filter((m) => m.name !== '' && m.name.split('.').length <= depth + 1);
  const total = report.totalFlops;
  const lines = [['module', 'type', 'params', 'GFLOPs', '%']];
  for (const m of rows) {
    const indent = '  '.repeat(m.name.split('.').length - 1);
    lines.push([indent + m.name, m.type, m.params.toLocaleString('en-US'), (m.flops / 1e9).toFixed(3), total > 0 ? ((100 * m.flops) / total).toFixed(1) : '-']);
  }
  lines.push(['total', '', report.totalParams.toLocaleString('en-US'), (total / 1e9).toFixed(3), total > 0 ? '100.0' : '-']);
  const widths = lines[0].map((_, j) => Math.max(...lines.map((l) => l[j].length)));
  return lines.map((l) => l.map((c, j) => (j < 2 ? c.padEnd(widths[j]) : c.padStart(widths[j]))).join('  ')).join('\n');
}
