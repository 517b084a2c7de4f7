/** Runs tests/eval/pycocotools_eval.py once for a batch of cases (one interpreter start). */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { pycocotoolsScript } from './paths.js';

export interface ReferenceCase {
  gt: string;
  dt: string;
  maxDets?: number[];
  useCats?: 0 | 1;
  imgIds?: number[];
  catIds?: number[];
  /** Also report per-detection matches (area "all"). */
  matches?: boolean;
}

export interface ReferenceOutput {
  stats: number[][];
  seconds: { load: number; evaluate: number; accumulate: number; summarize: number }[];
  /** sha256 of pycocotools' precision, recall and scores arrays (C-order float64 bytes). */
  arrays: { precision: string; recall: string; scores: string }[];
  /** Per case (when asked): result id (1-based file position) -> [GT id per threshold, ignore per threshold]. */
  matches: (Record<string, [number[], number[]]> | null)[];
  means: number[];
}

export function runPycocotools(python: string, cases: ReferenceCase[], means: number[][] = []): ReferenceOutput {
  const stdout = execFileSync(python, [pycocotoolsScript], {
    input: JSON.stringify({ cases, means }),
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  return JSON.parse(stdout) as ReferenceOutput;
}

/** The hash the Python side computes: sha256 of the float64 bytes in C order (little-endian here, as numpy's). */
export function arrayHash(a: Float64Array): string {
  return createHash('sha256').update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength)).digest('hex');
}

/** What the Python-free test compares with: per case its label, the 12 stats and the array hashes; the np.mean values. */
export interface StoredReference {
  cases: { label: string; stats: number[]; arrays: { precision: string; recall: string; scores: string } }[];
  means: number[];
}

export function storedReference(labels: string[], ref: ReferenceOutput): StoredReference {
  return { cases: labels.map((label, i) => ({ label, stats: ref.stats[i], arrays: ref.arrays[i] })), means: ref.means };
}
