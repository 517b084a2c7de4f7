/** Runs tests/eval/pycocotools_eval.py once for a batch of cases (one interpreter start). */
import { execFileSync } from 'node:child_process';
import { pycocotoolsScript } from './paths.js';

export interface ReferenceCase {
  gt: string;
  dt: string;
  maxDets?: number[];
  useCats?: 0 | 1;
  imgIds?: number[];
  catIds?: number[];
}

export interface ReferenceOutput {
  stats: number[][];
  seconds: { load: number; evaluate: number; accumulate: number; summarize: number }[];
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
