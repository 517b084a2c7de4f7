/**
 * The hook through which leaf layers report their cost while `countFlops`
 * (flops.ts) traces a forward pass. Outside a trace it does nothing.
 *
 * Convention (as fvcore and mmcv report GFLOPs): one multiply-add is one FLOP.
 * Conv, linear and attention products report multiply-adds; normalisation
 * layers report one FLOP per output element. Elementwise ops, pooling and
 * upsampling are not counted, as in torchvision's published figures.
 */
import type { Module } from './module.js';

export type FlopKind = 'conv' | 'linear' | 'norm' | 'attention';

export interface FlopRecord {
  module: Module;
  kind: FlopKind;
  flops: number;
  inputShape: number[];
  outputShape: number[];
}

let active: FlopRecord[] | undefined;
let shapesOnly = false;

/**
 * True inside a shape-only trace: conv layers then return zeros of their
 * output shape and norm layers return their input, so counting a model at
 * 800x1333 costs neither the arithmetic nor its memory. Values are
 * meaningless there; only shapes and the FLOP records are.
 */
export function tracingShapesOnly(): boolean {
  return shapesOnly;
}

export function recordFlops(module: Module, kind: FlopKind, flops: number, inputShape: readonly number[], outputShape: readonly number[]): void {
  active?.push({ module, kind, flops, inputShape: [...inputShape], outputShape: [...outputShape] });
}

/** Runs `fn` and returns what the layers reported meanwhile (not re-entrant). */
export function traceFlops(fn: () => void, opts: { shapesOnly?: boolean } = {}): FlopRecord[] {
  if (active !== undefined) throw new Error('traceFlops is already tracing');
  const records: FlopRecord[] = [];
  active = records;
  shapesOnly = opts.shapesOnly ?? false;
  try {
    fn();
  } finally {
    active = undefined;
    shapesOnly = false;
  }
  return records;
}
