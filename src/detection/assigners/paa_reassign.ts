/**
 * PAA's probabilistic anchor assignment (Kim & Lee, ECCV 2020, §3.1) as
 * mmdet's `PAAHead.paa_reassign`: per gt, its candidate positives (from a
 * MaxIoU 0.1 assignment) are cut to the `topk` lowest-cost per level, sorted
 * by cost, and split by a two-component GMM; the positives are the
 * low-cost-component samples up to the one the mixture finds most likely.
 * A gt with fewer than two candidates keeps none (mmdet skips it, and its
 * candidates then become negatives).
 */
import { fitGmm2 } from './gmm1d.js';

export interface PaaCandidate {
  /** Prior index within the image. */
  prior: number;
  gt: number;
  level: number;
  /** Classification + box loss of this prior against its gt. */
  cost: number;
}

/** Priors (within one image) kept as positives. */
export function paaReassign(candidates: PaaCandidate[], topk: number): Set<number> {
  const kept = new Set<number>();
  const byGt = new Map<number, PaaCandidate[]>();
  for (const c of candidates) {
    const list = byGt.get(c.gt);
    if (list === undefined) byGt.set(c.gt, [c]);
    else list.push(c);
  }
  for (const list of byGt.values()) {
    const byLevel = new Map<number, PaaCandidate[]>();
    for (const c of list) byLevel.set(c.level, [...(byLevel.get(c.level) ?? []), c]);
    const chosen: PaaCandidate[] = [];
    for (const level of [...byLevel.keys()].sort((a, b) => a - b)) {
      const sorted = [...(byLevel.get(level) ?? [])].sort(byCost);
      chosen.push(...sorted.slice(0, topk));
    }
    if (chosen.length < 2) continue;
    chosen.sort(byCost);
    const fit = fitGmm2(chosen.map((c) => c.cost));
    // mmdet's gmm_separation_scheme: among component-0 samples (in cost order),
    // keep those up to the highest mixture likelihood.
    const fg = chosen.map((c, i) => ({ c, score: fit.scores[i], comp: fit.assignment[i] })).filter((s) => s.comp === 0);
    if (fg.length === 0) continue;
    let thr = 0;
    fg.forEach((s, i) => {
      if (s.score > fg[thr].score) thr = i;
    });
    for (let i = 0; i <= thr; i++) kept.add(fg[i].c.prior);
  }
  return kept;
}

function byCost(a: PaaCandidate, b: PaaCandidate): number {
  return a.cost - b.cost || a.prior - b.prior;
}
