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

export function recordFlops(module: Module, kind: FlopKind, flops: number, inputShape: readonly number[], outputShape: readonly number[]): void {
  active?.push({ module, kind, flops, inputShape: [...inputShape], outputShape: [...outputShape] });
}

/** Runs `fn` and returns what the layers reported meanwhile (not re-entrant). */
export function traceFlops(fn: () => void): FlopRecord[] {
  if (active !== undefined) throw new Error('traceFlops is already tracing');
  const records: FlopRecord[] = [];
  active = records;
  try {
    fn();
  } finally {
    active = undefined;
  }
  return records;
}
