/** Text renderings of an evaluation: pycocotools' summary layout and a per-class table. */
import type { CocoEvalResult } from './coco_eval.js';
import type { StatSpec } from './summarize.js';

/**
 * Python's `'{:0.3f}'.format(x)`. JS `toFixed` rounds exact ties up where
 * Python rounds half to even; for 3 decimals a double is an exact tie only at
 * odd multiples of 1/16 (x = (2k+1)/2000 must be dyadic), so those are handled apart.
 */
export function formatFixed3(x: number): string {
  const sixteenths = x * 16;
  if (Number.isInteger(sixteenths) && sixteenths % 2 !== 0) {
    const thousandths = Math.abs(x) * 1000;
    const down = Math.floor(thousandths);
    const even = down % 2 === 0 ? down : down + 1;
    const text = (even / 1000).toFixed(3);
    return x < 0 ? `-${text}` : text;
  }
  return x.toFixed(3);
}

function iouText(spec: StatSpec, iouThrs: Float64Array): string {
  if (spec.iouThr !== undefined) return spec.iouThr.toFixed(2);
  return `${iouThrs[0].toFixed(2)}:${iouThrs[iouThrs.length - 1].toFixed(2)}`;
}

/** The 12 lines pycocotools' summarize() prints, e.g. ` Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = 0.505`. */
export function formatSummary(result: CocoEvalResult): string[] {
  return result.statSpecs.map((spec, i) => {
    const title = (spec.ap ? 'Average Precision' : 'Average Recall').padEnd(18);
    const kind = spec.ap ? '(AP)' : '(AR)';
    const iou = iouText(spec, result.params.iouThrs).padEnd(9);
    return ` ${title} ${kind} @[ IoU=${iou} | area=${spec.area.padStart(6)} | maxDets=${String(spec.maxDets).padStart(3)} ] = ${formatFixed3(result.stats[i])}`;
  });
}

/** One row per category: AP, AP50, AP75, APs, APm, APl and AR at the largest maxDets; "-" where a class has no GT. */
export function formatPerClass(result: CocoEvalResult): string[] {
  const columns = [0, 1, 2, 3, 4, 5, 8];
  const width = Math.max(8, ...result.perClass.map((c) => `${c.categoryId} ${c.name}`.length));
  const header = `${'category'.padEnd(width)}  ${columns.map((j) => result.statNames[j].padStart(6)).join(' ')}`;
  const rows = result.perClass.map((c) => {
    const label = `${c.categoryId} ${c.name}`.trim().padEnd(width);
    const cells = columns.map((j) => (c.stats[j] < 0 ? '-' : formatFixed3(c.stats[j])).padStart(6));
    return `${label}  ${cells.join(' ')}`;
  });
  return [header, ...rows];
}
